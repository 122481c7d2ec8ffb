"""The embedding SDK's message protocol, spoken by the emulator's embed pages as QuickSight's.

What amazon-quicksight-embedding-sdk 2.11.3 expects of QuickSight's pages (its source:
github.com/awslabs/amazon-quicksight-embedding-sdk, src/experiences/control-experience/
control-experience.ts, base-experience/frame/experience-frame.ts, common/events/events.ts):

- The SDK frames each experience at its URL plus `contextId`, `discriminator`, `sdkVersion`
  and `punyCodeEmbedOrigin`, and one hidden control frame per embedding context at
  `/embed/<session>/embedControl` on the same origin.
- An experience page tells the embedding window what happens by `postMessage` of
  `{eventName, eventTarget, message, eventId, timestamp, version}` to `window.parent`;
  `eventTarget` is the SDK's internal experience (`experienceType`, `contextId`,
  `discriminator`, and `dashboardId` / `sheetId` / `visualId` where they apply), by which the
  SDK's window listener routes the event to that experience's `onMessage`
  (BaseExperience.getExperienceIdentifier). Events: EXPERIENCE_INITIALIZED, SIZE_CHANGED
  (`{height}`), CONTENT_LOADED (`{title}`), ERROR_OCCURRED (`{errorCode}`: `Forbidden` when
  the URL's auth code is spent or expired, as the SDK's README says).
- The SDK acknowledges every event it routes with an ACKNOWLEDGE message to the control frame
  (`message: {eventName, eventTarget}`), and sends its requests (SET_PARAMETERS,
  GET_PARAMETERS, ...) there too, each with an `eventId`; the answer is a message to the
  embedding window with the same `eventId` and `message: {success: true}`, an error
  (`{success: false, errorCode}`) or the data asked for.

Here the control frame relays what the SDK sends it to the experience pages of its context
over a BroadcastChannel (same origin, same embedding page), and says there when it listens: a
page posts its events then (or after 3 s without it), so the SDK's acknowledgements reach a
loaded control frame; each page keeps the events
acknowledged for it (`#sdk-acknowledged`) and answers the requests addressed to it: parameters
are set and read back, anything else is answered `UNSUPPORTED_BY_EMULATOR` rather than left
to time out. No message carries a secret (no code, no tag value), so it is posted to any
parent origin ("*"). Not emulated: QuickSight's check of the embedding origin
(`punyCodeEmbedOrigin`) against the URL's AllowedDomains, and the events of user actions
(PARAMETERS_CHANGED, SELECTED_SHEET_CHANGED, MODAL_OPENED, ...), which need a real dashboard.
"""

from __future__ import annotations

from enum import Enum

CHANNEL_PREFIX = "qs-embed-emulator:"
SDK_VERSION = "2.11.3"
UNSUPPORTED = "UNSUPPORTED_BY_EMULATOR"


class PageEvents(Enum):
    """What an experience page posts when it loads."""

    OPENED = "opened"  # EXPERIENCE_INITIALIZED, SIZE_CHANGED, CONTENT_LOADED
    REFUSED = "refused"  # ERROR_OCCURRED {errorCode: Forbidden}


# The experience the SDK made of the URL, read back from the page's own path and query exactly
# as the SDK's extractExperienceFromUrl and getInternalExperienceInfo build it.
_COMMON = """
  var query = new URLSearchParams(location.search);
  var contextId = query.get("contextId");
  if (!contextId || window.parent === window) return;
  var channel = new BroadcastChannel("%(channel)s" + contextId);
"""

_EXPERIENCE_SCRIPT = (
    """<script>
(function () {
  "use strict";"""
    + _COMMON
    + """
  var visual = /\\/dashboards\\/([\\w-]+)\\/sheets\\/([\\w-]+)\\/visuals\\/([\\w-]+)$/.exec(
    location.pathname);
  var board = /\\/dashboards\\/([\\w-]+)$/.exec(location.pathname);
  var target = {contextId: contextId, discriminator: Number(query.get("discriminator") || 0)};
  if (visual) {
    target.experienceType = "VISUAL";
    target.dashboardId = visual[1]; target.sheetId = visual[2]; target.visualId = visual[3];
  } else if (board && location.pathname.indexOf("/embed/") === 0) {
    target.experienceType = "DASHBOARD"; target.dashboardId = board[1];
  } else if (/\\/q\\/search$/.test(location.pathname)) {
    target.experienceType = "QSEARCH";
  } else {
    target.experienceType = "CONSOLE";
  }
  var keys = ["contextId", "experienceType", "dashboardId", "sheetId", "visualId",
              "discriminator"];
  function same(other) {
    return !!other && keys.every(function (k) { return other[k] === target[k]; });
  }
  var counter = 0;
  function post(eventName, message, eventId) {
    counter += 1;
    window.parent.postMessage({
      eventName: eventName, eventTarget: target, message: message,
      eventId: eventId || "emulator-" + contextId + "-" + counter,
      timestamp: Date.now(), version: "%(version)s"
    }, "*");
  }
  var acknowledged = document.createElement("ul");
  acknowledged.id = "sdk-acknowledged";
  document.body.appendChild(acknowledged);
  var parameters = [];
  channel.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.eventName === "ACKNOWLEDGE") {
      if (data.message && same(data.message.eventTarget)) {
        var item = document.createElement("li");
        item.textContent = data.message.eventName;
        acknowledged.appendChild(item);
      }
      return;
    }
    if (!same(data.eventTarget) || !data.eventId) return;
    if (data.eventName === "SET_PARAMETERS") {
      parameters = Array.isArray(data.message) ? data.message : [];
      post(data.eventName, {success: true}, data.eventId);
    } else if (data.eventName === "GET_PARAMETERS") {
      post(data.eventName, parameters, data.eventId);
    } else {
      post(data.eventName, {success: false, errorCode: "%(unsupported)s",
                            error: data.eventName + " is not emulated"}, data.eventId);
    }
  });
  // The SDK acknowledges each event to the control frame: post them once it is listening
  // (it says so on the channel), or after 3 s without it, so no acknowledgement is lost.
  var posted = false;
  function postEvents() {
    if (posted) return;
    posted = true;
    %(events)s
  }
  channel.addEventListener("message", function (event) {
    if (event.data && event.data.emulator === "control-ready") postEvents();
  });
  channel.postMessage({emulator: "control-ready?"});
  setTimeout(postEvents, 3000);
})();
</script>"""
)

_ON_OPEN = """post("EXPERIENCE_INITIALIZED");
  post("SIZE_CHANGED", {height: document.documentElement.scrollHeight});
  post("CONTENT_LOADED", {title: document.title});"""
# QuickSight's code for a URL whose auth code is spent or expired (the SDK's README).
_ON_REFUSAL = """post("ERROR_OCCURRED", {errorCode: "Forbidden"});"""

_CONTROL_SCRIPT = (
    """<script>
(function () {
  "use strict";"""
    + _COMMON
    + """
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || !event.data.eventName) return;
    channel.postMessage(event.data);
  });
  channel.addEventListener("message", function (event) {
    if (event.data && event.data.emulator === "control-ready?") {
      channel.postMessage({emulator: "control-ready"});
    }
  });
  channel.postMessage({emulator: "control-ready"});
})();
</script>"""
)


def experience_script(events: PageEvents) -> str:
    """The script of an experience page: post `events` to the SDK and answer it."""
    return _EXPERIENCE_SCRIPT % {
        "channel": CHANNEL_PREFIX,
        "version": SDK_VERSION,
        "unsupported": UNSUPPORTED,
        "events": _ON_OPEN if events is PageEvents.OPENED else _ON_REFUSAL,
    }


def control_script() -> str:
    """The control frame's script: relay what the SDK sends to the context's pages."""
    return _CONTROL_SCRIPT % {"channel": CHANNEL_PREFIX}

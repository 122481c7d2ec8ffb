// Embeds the page's QuickSight console or dashboard with the official embedding SDK
// (amazon-quicksight-embedding-sdk, served by the portal: static/vendor). When the embedded
// session reports an error (an expired or already used URL), it asks the portal for a fresh
// URL once and embeds again; if that fails too, it shows the portal's explanation. The events
// the embedded page sends (EXPERIENCE_INITIALIZED, SIZE_CHANGED, CONTENT_LOADED, ...) are kept,
// in order, in the container's data-events attribute, and data-loaded is set once the content
// has loaded: what a page (or a test) waits for instead of guessing.
(function () {
  "use strict";
  var holder = document.getElementById("embed");
  var status = document.getElementById("embed-status");
  if (!holder || !window.QuickSightEmbedding) {
    return;
  }
  var kind = holder.dataset.kind;
  var retried = false;

  function show(text) {
    status.textContent = text;
    status.hidden = false;
  }

  function onChange(event) {
    if (event.eventLevel === "ERROR") {
      show("The embedded view could not be shown (" + event.eventName + ").");
    }
  }

  function onMessage(event) {
    var seen = holder.dataset.events ? holder.dataset.events.split(" ") : [];
    seen.push(event.eventName);
    holder.dataset.events = seen.join(" ");
    if (event.eventName === "CONTENT_LOADED") {
      holder.dataset.loaded = "true";
    }
    if (event.eventName === "ERROR_OCCURRED") {
      if (retried) {
        show("The embedded session ended. Reload the page to open a new one.");
        return;
      }
      retried = true;
      refresh();
    }
  }

  function refresh() {
    fetch(holder.dataset.refresh, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": holder.dataset.csrf },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok || !body.url) {
            throw new Error((body.error || "Error") + ": " + (body.detail || ""));
          }
          holder.dataset.requestId = body.requestId || "";
          return mount(body.url);
        });
      })
      .catch(function (error) {
        show(String(error.message || error));
      });
  }

  function mount(url) {
    holder.textContent = "";
    delete holder.dataset.loaded;
    holder.dataset.mounts = String(Number(holder.dataset.mounts || "0") + 1);
    return window.QuickSightEmbedding.createEmbeddingContext({ onChange: onChange }).then(
      function (context) {
        var frame = { url: url, container: holder, width: "100%", height: "100%", onChange: onChange };
        var content = { onMessage: onMessage };
        return kind === "dashboard"
          ? context.embedDashboard(frame, content)
          : context.embedConsole(frame, content);
      }
    );
  }

  mount(holder.dataset.url).catch(function (error) {
    show(String(error.message || error));
  });
})();

"""Local AWS emulator for QuickSight embedding: moto's server, extended and IAM-enforced.

``Emulator`` runs it in a child process (one independent AWS per emulator); the rest of the
package is the server side that runs inside that process.
"""

from sandbox.boto_sessions import EmulatorSession
from sandbox.emulator import Emulator, EmulatorError
from sandbox.faults import FaultKind

__all__ = ["Emulator", "EmulatorError", "EmulatorSession", "FaultKind"]

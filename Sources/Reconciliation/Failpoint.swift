#if DEBUG
#if canImport(Glibc)
import Glibc
#endif

/// Test-only crash points, compiled into debug builds only (release builds, and so the `.deb`, have none).
///
/// `HOSTUP_ROUTED_FAILPOINT=kill-after-first-sysctl-write` makes the process `SIGKILL` itself right after its
/// first sysctl write, as a power cut or `kill -9` at the worst moment would: the originals must already be in
/// the state file, so that `hostup-routed cleanup` can restore them.
enum Failpoint {
    /// The environment variable that names the failpoint.
    static let variable = "HOSTUP_ROUTED_FAILPOINT"

    private static let killAfterSysctlWrite: Bool = {
        guard let value = getenv(variable) else { return false }
        return String(cString: value) == "kill-after-first-sysctl-write"
    }()

    /// Called by ``PlanExecutor`` after each successful sysctl write.
    static func sysctlWritten() {
        if killAfterSysctlWrite {
            kill(getpid(), SIGKILL)
        }
    }
}
#endif

import Logging
import Netlink
import SystemPackage

/// Applies a ``Plan`` through a ``NetworkKernel`` and reports what happened.
///
/// Consecutive rtnetlink operations go to the kernel as one batch (``NetworkKernel/perform(_:)``); sysctl
/// operations are written in their place in the plan. With the planner's order that is: sysctl sets (so
/// `accept_ra=2` precedes `forwarding=1`), one batch with every address and route change, then sysctl restores.
///
/// Idempotence is decided here and only here: `EEXIST` on an add, `ESRCH`/`ENOENT` on a route
/// removal, `EADDRNOTAVAIL` on an address removal, and `ENODEV` on any removal (the object went with its
/// interface) count as already done and are logged at debug level.
///
/// - Important: `apply(_:)` may be called repeatedly with the same plan: a second application answers "already
///   done" for every change. If writing `accept_ra=2` fails, `forwarding=1` is not written (it would make the
///   kernel drop the uplink's router-advertised default route), and is reported as failed. An `accept_ra` below
///   2 is written only if `all.forwarding` and the interface's `forwarding` read 0 right before, and a write of
///   `all.forwarding` is read back.
public struct PlanExecutor: Sendable {
    /// Where operations go.
    public var kernel: any NetworkKernel
    /// Where applied changes (info), idempotent answers (debug) and failures (error) are logged.
    public var logger: Logger
    /// The routed prefix of each API route id, so that every logged operation names its prefix
    /// (`hostup.prefix`, the journal's `HOSTUP_PREFIX`).
    public var routePrefixes: [String: String]
    /// The level of each "applied" line: `.info`, or `.debug` where one summary line says it (drift repairs).
    public var appliedLevel: Logger.Level = .info

    /// Creates an executor.
    ///
    /// - Parameters:
    ///   - kernel: Where operations go.
    ///   - logger: The logger.
    ///   - routePrefixes: The routed prefix of each route id, for the log. Defaults to none.
    public init(kernel: any NetworkKernel, logger: Logger, routePrefixes: [String: String] = [:]) {
        self.kernel = kernel
        self.logger = logger
        self.routePrefixes = routePrefixes
    }

    /// Applies every operation of `plan`, in order, continuing past failures.
    ///
    /// - Parameter plan: The plan, from ``Planner/plan(desired:observed:owned:sysctls:)``.
    /// - Returns: What was applied, already done, or failed, with the ownership record and sysctl originals
    ///   to persist.
    public func apply(_ plan: Plan) -> ExecutionReport {
        var run = Execution(plan: plan)
        let operations = plan.operations
        var index = operations.startIndex
        while index < operations.endIndex {
            if case .setSysctl(let name, let interface, let value) = operations[index] {
                applySysctl(operations[index], name: name, interface: interface, value: value, run: &run)
                index += 1
                continue
            }
            let end = operations[index...].firstIndex { $0.request == nil } ?? operations.endIndex
            applyBatch(Array(operations[index..<end]), run: &run)
            index = end
        }
        run.report.savedSysctls.sort()
        return run.report
    }

    private func applyBatch(_ batch: [PlanOperation], run: inout Execution) {
        let requests = batch.compactMap(\.request)
        var results: [Result<Void, NetlinkError>]
        do {
            results = try kernel.perform(requests)
            if results.count != requests.count {
                let error = NetlinkError(
                    code: .malformedMessage, operation: "batch",
                    message: "\(results.count) answers for \(requests.count) requests")
                results = Array(repeating: .failure(error), count: requests.count)
            }
        } catch {
            results = Array(repeating: .failure(Self.netlinkError(error, operation: "batch")), count: requests.count)
        }
        for (operation, result) in zip(batch, results) {
            switch result {
            case .success:
                run.applied(operation)
                log(operation, level: appliedLevel, "applied", plan: run.plan)
            case .failure(let error) where Self.isAlreadyDone(operation, error.code):
                run.alreadyDone(operation)
                log(operation, level: .debug, "already done (\(error.code))", plan: run.plan)
            case .failure(let error):
                run.failed(operation, error)
                log(operation, level: .error, "failed: \(error)", plan: run.plan, error: error)
            }
        }
    }

    private func applySysctl(
        _ operation: PlanOperation,
        name: IPv6Sysctl.Name,
        interface: String?,
        value: Int,
        run: inout Execution
    ) {
        let key = SysctlKey(name, interface: interface)
        if name == .forwarding, value == 1, run.acceptRAFailed {
            skip(
                operation, "\(key) not set: raising accept_ra to 2 failed, and forwarding would drop the default route",
                run: &run)
            return
        }
        // NOTE: the last guard of the rule "never accept_ra below 2 where forwarding is on": the planner orders
        // the restores so that this holds, and this reads the kernel right before the write, after the
        // `all.forwarding` restore was read back, in case someone turned forwarding on meanwhile.
        if name == .acceptRA, value < 2, let interface {
            let all = try? kernel.sysctl(.forwarding, interface: "all")
            let own = try? kernel.sysctl(.forwarding, interface: interface)
            guard all == 0, own == 0 else {
                let text = { (value: Int?) in value.map(String.init) ?? "unreadable" }
                skip(
                    operation,
                    "\(key) kept: forwarding is on (all \(text(all)), \(interface) \(text(own))), and accept_ra "
                        + "below 2 would make the kernel ignore router advertisements there",
                    run: &run)
                return
            }
        }
        do {
            try kernel.setSysctl(name, value, interface: interface)
            #if DEBUG
            Failpoint.sysctlWritten()
            #endif
            if name == .forwarding, interface == "all" {
                // A write to all.forwarding is copied into every interface (addrconf_fixup_forwarding()); read it
                // back before anything relies on it.
                let readBack = try kernel.sysctl(name, interface: interface)
                guard readBack == value else {
                    throw NetlinkError(code: .other, operation: "sysctl", message: "\(key) reads back \(readBack)")
                }
            }
        } catch {
            if name == .acceptRA, value == 2 {
                run.acceptRAFailed = true
            }
            let failure = Self.netlinkError(error, operation: "sysctl")
            run.failed(operation, failure)
            log(operation, level: .error, "failed: \(failure)", plan: run.plan, error: failure)
            return
        }
        run.applied(operation)
        log(operation, level: appliedLevel, "applied", plan: run.plan)
        // Writing a saved original back is its restore, and ends its record. Restoring all.forwarding also put
        // back every interface's forwarding whose original is the same value.
        let isRestore = run.report.savedSysctls.contains { $0.key == key && $0.value == value }
        run.report.savedSysctls.removeAll { $0.key == key && $0.value == value }
        if isRestore, name == .forwarding, interface == "all" {
            run.report.savedSysctls.removeAll { $0.name == .forwarding && $0.value == value }
        }
    }

    private func skip(_ operation: PlanOperation, _ message: String, run: inout Execution) {
        let error = NetlinkError(code: .other, operation: "sysctl", message: message)
        run.failed(operation, error)
        log(operation, level: .error, "skipped: \(message)", plan: run.plan, error: error)
    }

    /// Whether `code` means the operation's effect is already in place.
    static func isAlreadyDone(_ operation: PlanOperation, _ code: NetlinkError.Code) -> Bool {
        switch operation {
        case .addAddress, .addRoute: code == .exists
        case .removeAddress: code == .addressNotAvailable || code == .noSuchDevice
        case .removeRoute: code == .notFound || code == .noSuchDevice
        case .replaceAddress, .replaceRoute, .setSysctl: false
        }
    }

    private static func netlinkError(_ error: any Error, operation: String) -> NetlinkError {
        if let error = error as? NetlinkError {
            return error
        }
        return NetlinkError(code: .other, operation: operation, message: "\(error)")
    }

    private func log(
        _ operation: PlanOperation,
        level: Logger.Level,
        _ outcome: String,
        plan: Plan,
        error: NetlinkError? = nil
    ) {
        var metadata: Logger.Metadata = [:]
        if let routeID = plan.routeIDs[operation] {
            metadata[MetadataKey.routeID] = "\(routeID)"
            if let prefix = routePrefixes[routeID] {
                metadata[MetadataKey.prefix] = "\(prefix)"
            }
        }
        if let interface = operation.interface {
            metadata[MetadataKey.interface] = "\(interface)"
        }
        if let error {
            metadata[MetadataKey.event] = "kernel-error"
            metadata[MetadataKey.errorCode] = "\(error.code)"
            if let errno = error.errno {
                metadata[MetadataKey.errno] = "\(errno.rawValue)"
            }
        }
        logger.log(level: level, "\(operation): \(outcome)", metadata: metadata)
    }
}

/// The outcome of ``PlanExecutor/apply(_:)``.
public struct ExecutionReport: Sendable, Equatable {
    /// An operation the kernel refused.
    public struct Failure: Sendable, Equatable {
        /// The operation.
        public var operation: PlanOperation
        /// The kernel's answer (for sysctls, the file error; code ``NetlinkError/Code/other`` when skipped).
        public var error: NetlinkError
    }

    /// Operations that changed the kernel, in order.
    public var applied: [PlanOperation] = []
    /// Operations whose effect was already in place (`EEXIST`, `ESRCH`, `EADDRNOTAVAIL`, ...).
    public var alreadyDone: [PlanOperation] = []
    /// Operations that failed, with the kernel's answer.
    public var failed: [Failure] = []
    /// The ownership record to persist: the plan's, plus addresses added, minus addresses removed.
    public var ownership: OwnershipRecord
    /// The sysctl originals to persist: the plan's, plus values saved before a first change, minus restored ones.
    public var savedSysctls: [SavedSysctl]

    /// Whether every operation succeeded or was already done.
    public var succeeded: Bool { failed.isEmpty }
}

/// The work state of one `apply(_:)`.
private struct Execution {
    let plan: Plan
    var report: ExecutionReport
    var acceptRAFailed = false

    init(plan: Plan) {
        self.plan = plan
        report = ExecutionReport(ownership: plan.ownership, savedSysctls: plan.savedSysctls)
    }

    mutating func applied(_ operation: PlanOperation) {
        report.applied.append(operation)
        updateOwnership(operation, created: true)
    }

    mutating func alreadyDone(_ operation: PlanOperation) {
        report.alreadyDone.append(operation)
        // An address that appeared since the dump may be someone else's: it is not claimed.
        updateOwnership(operation, created: false)
    }

    mutating func failed(_ operation: PlanOperation, _ error: NetlinkError) {
        report.failed.append(ExecutionReport.Failure(operation: operation, error: error))
    }

    private mutating func updateOwnership(_ operation: PlanOperation, created: Bool) {
        switch operation {
        case .addAddress(let address, let interface), .replaceAddress(let address, let interface):
            if created {
                report.ownership.addresses.insert(
                    OwnedAddress(interface: interface, address: address.address, prefixLength: address.prefixLength))
            }
        case .removeAddress(let address, let interface):
            report.ownership.addresses.remove(
                OwnedAddress(interface: interface, address: address.address, prefixLength: address.prefixLength))
        case .addRoute, .replaceRoute, .removeRoute, .setSysctl:
            break
        }
    }
}

extension PlanOperation {
    /// The interface the operation concerns, if any ("all" for global sysctls).
    var interface: String? {
        switch self {
        case .addAddress(_, let interface), .replaceAddress(_, let interface), .removeAddress(_, let interface):
            interface
        case .addRoute(_, let interface), .replaceRoute(_, let interface), .removeRoute(_, let interface):
            interface
        case .setSysctl(_, let interface, _):
            interface
        }
    }
}

/// Logger metadata keys; the same strings as the agent's `LogKeys`, which the journald handler turns into
/// `HOSTUP_ROUTE_ID` and so on.
enum MetadataKey {
    static let routeID = "hostup.route_id"
    static let prefix = "hostup.prefix"
    static let event = "hostup.event"
    static let interface = "hostup.interface"
    static let errorCode = "hostup.error_code"
    static let errno = "errno"
}

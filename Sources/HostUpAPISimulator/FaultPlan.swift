/// The faults one `/api/*` request drew: a total latency, then at most one fault that decides the answer.
struct FaultPlan: Sendable {
    /// The sum of the active latency faults.
    var latency: Duration = .zero
    /// The first active non-latency fault, or `nil` to answer normally.
    var outcome: SimulatedFault?
    /// How many times faults had been cleared when the plan was drawn; a hang ends when this grows.
    var clearings: Int
}

/// One object of a ``DesiredState``, as a value: what a ``Deferral`` or a ``Conflict`` is about, so that a reader
/// (the agent's status) can tell which wanted object waits or is in the way without parsing text.
public enum DesiredObject: Hashable, Sendable {
    /// An address (``DesiredState/addresses``).
    case address(DesiredAddress)
    /// A route (``DesiredState/routes``).
    case route(DesiredRoute)
    /// `net.ipv6.conf.all.forwarding=1` (``DesiredState/forwarding``).
    case forwarding
}

//! Decoding of the three contracts' events, by signature topic (ink! 5: an event's
//! first topic is the hash of its signature). The types are the contracts' own.

use crate::deployment::Deployment;
use gb_chain::ContractEvent;
use ink::env::Event as _;
use scale::Decode;

pub use escrow::events::{ChannelClaim, Event as EscrowEvent};
pub use registry::events::Event as RegistryEvent;
pub use reputation::events::Event as ReputationEvent;

/// An event of the suite, by the contract that emitted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteEvent {
    Registry(RegistryEvent),
    Escrow(EscrowEvent),
    Reputation(ReputationEvent),
}

/// Decodes `e` if one of `deployment`'s contracts emitted it and its signature topic
/// is one of that contract's events; `None` otherwise (another contract, or an event
/// this client does not know: a newer contract version).
pub fn decode_event(deployment: &Deployment, e: &ContractEvent) -> Option<SuiteEvent> {
    let signature = e.topics.first()?;
    if &e.contract == deployment.escrow() {
        escrow_event(signature, &e.data).map(SuiteEvent::Escrow)
    } else if &e.contract == deployment.registry() {
        registry_event(signature, &e.data).map(SuiteEvent::Registry)
    } else if &e.contract == deployment.reputation() {
        reputation_event(signature, &e.data).map(SuiteEvent::Reputation)
    } else {
        None
    }
}

/// Every channel claim the events record, in order: one escrow `Claimed` event per
/// claiming call lists the channels it paid (`claimed` is each channel's new
/// cumulative total), with the payee as its topic. A gateway or SDK replaying a
/// payee's events gets each channel's claimed amount from the last entry for it.
pub fn channel_claims<'a>(
    events: impl IntoIterator<Item = &'a SuiteEvent>,
) -> impl Iterator<Item = &'a ChannelClaim> {
    events.into_iter().flat_map(|e| match e {
        SuiteEvent::Escrow(EscrowEvent::Claimed(c)) => c.claims.as_slice(),
        _ => &[],
    })
}

/// One `if` per event type: the first whose signature topic matches decodes the data.
macro_rules! by_signature {
    ($signature:expr, $data:expr, $module:path, $enum:ident, [$($variant:ident $(=> $wrap:expr)?),* $(,)?]) => {{
        use $module as m;
        let (signature, data): (&[u8; 32], &[u8]) = ($signature, $data);
        $(
            if m::$variant::SIGNATURE_TOPIC.as_ref() == Some(signature) {
                return m::$variant::decode(&mut &data[..]).ok()
                    .map(|e| $enum::$variant(by_signature!(@wrap e $(, $wrap)?)));
            }
        )*
        None
    }};
    (@wrap $e:ident) => { $e };
    (@wrap $e:ident, $wrap:expr) => { $wrap($e) };
}

/// An escrow event from its signature topic and data.
pub fn escrow_event(signature: &[u8; 32], data: &[u8]) -> Option<EscrowEvent> {
    by_signature!(
        signature,
        data,
        escrow::events,
        EscrowEvent,
        [
            Deposited,
            Withdrawn,
            Transferred,
            ChannelOpened,
            FundsAdded,
            ChannelExtended,
            Claimed,
            PayoutCredited,
            ChannelClosed,
            ChannelRefunded,
            ReputationReportFailed,
            FeesWithdrawn,
            FeeChanged,
            ReputationSet,
            OwnershipTransferred,
        ]
    )
}

/// A registry event from its signature topic and data.
pub fn registry_event(signature: &[u8; 32], data: &[u8]) -> Option<RegistryEvent> {
    by_signature!(
        signature,
        data,
        registry::events,
        RegistryEvent,
        [
            OwnershipTransferred,
            ReputationSet,
            OrgCreated,
            OrgOwnershipTransferred,
            OrgMemberAdded,
            OrgMemberRemoved,
            OrgDeleted,
            ServiceRegistered,
            ServiceUpdated,
            ServiceDelisted,
            ServiceRelisted,
            ServiceDeleted,
            Promoted,
        ]
    )
}

/// A reputation event from its signature topic and data.
pub fn reputation_event(signature: &[u8; 32], data: &[u8]) -> Option<ReputationEvent> {
    by_signature!(signature, data, reputation::events, ReputationEvent, [
        Rated, FulfillmentRecorded, FailureRecorded, EscrowSet, RegistrySet,
        ParamsChanged => Box::new, OwnershipTransferred,
    ])
}

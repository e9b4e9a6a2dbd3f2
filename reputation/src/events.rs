//! Events: one for every state change. Ids and accounts people filter by are topics.

use gb_interfaces::{AccountId, Balance, ChannelId, Ppm, ServiceId, Timestamp};
use gb_scoring::Params;
use ink::prelude::boxed::Box;

/// A client rated a service.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    /// The rated service.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// The rater (the channel's client).
    #[ink(topic)]
    pub client: AccountId,
    /// The channel the rating is for.
    pub channel_id: ChannelId,
    /// 1 ..= 5.
    pub stars: u8,
    /// The rater's maturity (ppm, floor included).
    pub maturity: Ppm,
    /// The rating's weight (plancks): `min(claimed, rating_cap) · maturity`.
    pub weight: Balance,
    /// Share (ppm) of `weight` that counts so far: the epoch's ratings on the same
    /// side of the service's mean count at most `epoch_rating_cap` together, pro rata;
    /// later ratings this epoch may lower it (security review M3).
    pub epoch_share: Ppm,
}

/// Escrow reported paid fulfillment for a service.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentRecorded {
    /// The service that was paid.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// Newly claimed amount reported (summed over its channels in this report).
    pub paid: Balance,
    /// Number of channels it came from.
    pub channels: u32,
    /// Success mass added (each channel at most `settle_cap` over its life).
    pub mass: Balance,
}

/// Escrow reported a channel that ended with nothing claimed.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRecorded {
    /// The service that did not deliver.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// The channel's client.
    #[ink(topic)]
    pub client: AccountId,
    /// Funds that were locked.
    pub locked: Balance,
    /// How long they were locked (ms): the channel's expiry minus when its funds were
    /// locked (funds-weighted when funds were added later).
    pub locked_for: Timestamp,
    /// Failure mass added: `min(locked, failure_cap) · min(1, locked_for /
    /// failure_lock_ref)`, then, for a client at the maturity floor, within the
    /// service's daily `epoch_failure_cap` (so it may be 0).
    pub mass: Balance,
}

/// The owner wired an escrow contract.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowSet {
    /// The previous escrow, if any.
    pub previous: Option<AccountId>,
    /// The new escrow.
    #[ink(topic)]
    pub escrow: AccountId,
}

/// The owner wired a registry contract.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySet {
    /// The previous registry.
    pub previous: AccountId,
    /// The new registry (named so: Contracts UI reserves a field named `registry`).
    #[ink(topic)]
    pub service_registry: AccountId,
}

/// The owner changed the score parameters.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamsChanged {
    /// The previous parameters.
    pub previous: Params,
    /// The new parameters.
    pub params: Params,
}

pub use gb_interfaces::OwnershipTransferred;

/// Every event the logic returns; `lib.rs` emits them in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// See [`Rated`].
    Rated(Rated),
    /// See [`FulfillmentRecorded`].
    FulfillmentRecorded(FulfillmentRecorded),
    /// See [`FailureRecorded`].
    FailureRecorded(FailureRecorded),
    /// See [`EscrowSet`].
    EscrowSet(EscrowSet),
    /// See [`RegistrySet`].
    RegistrySet(RegistrySet),
    /// See [`ParamsChanged`] (boxed: two `Params` dwarf the other variants).
    ParamsChanged(Box<ParamsChanged>),
    /// See [`OwnershipTransferred`].
    OwnershipTransferred(OwnershipTransferred),
}

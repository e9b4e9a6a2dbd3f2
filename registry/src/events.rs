//! Events: one for every state change. Ids and accounts people filter by are topics.

use gb_interfaces::{AccountId, Balance, ServiceId};
use ink::prelude::string::String;

pub use gb_interfaces::OwnershipTransferred;

/// The reputation oracle used for ranked discovery was set.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReputationSet {
    /// The previous oracle, if any.
    pub previous: Option<AccountId>,
    /// The new oracle contract.
    #[ink(topic)]
    pub reputation: AccountId,
}

/// An organization was created.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgCreated {
    /// The new organization's id.
    #[ink(topic)]
    pub org_id: String,
    /// Its owner (the creator).
    #[ink(topic)]
    pub owner: AccountId,
}

/// An organization changed hands.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgOwnershipTransferred {
    /// The organization.
    #[ink(topic)]
    pub org_id: String,
    /// The previous owner.
    pub previous_owner: AccountId,
    /// The new owner.
    #[ink(topic)]
    pub new_owner: AccountId,
}

/// A member was added to an organization.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgMemberAdded {
    /// The organization.
    #[ink(topic)]
    pub org_id: String,
    /// The new member.
    #[ink(topic)]
    pub member: AccountId,
}

/// A member left or was removed from an organization (also when a member becomes
/// the owner).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgMemberRemoved {
    /// The organization.
    #[ink(topic)]
    pub org_id: String,
    /// The former member.
    #[ink(topic)]
    pub member: AccountId,
    /// Who removed it (the owner, or the member itself).
    pub by: AccountId,
}

/// An organization was deleted; its id stays reserved forever.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgDeleted {
    /// The organization.
    #[ink(topic)]
    pub org_id: String,
    /// Its owner, who deleted it.
    pub by: AccountId,
}

/// A service was registered.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRegistered {
    /// The new service's id.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// Its organization.
    #[ink(topic)]
    pub org_id: String,
    /// Price of one call.
    pub price: Balance,
    /// Account that receives the payments.
    #[ink(topic)]
    pub payee: AccountId,
    /// Who registered it (org owner or member).
    pub by: AccountId,
}

/// A service's fields changed; the new price and payee are included because escrow
/// users care about them. Read the full record with `service`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUpdated {
    /// The service.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// Its organization.
    #[ink(topic)]
    pub org_id: String,
    /// Price of one call after the update.
    pub price: Balance,
    /// Payee after the update.
    pub payee: AccountId,
    /// Whether the tag set changed.
    pub tags_changed: bool,
    /// Who changed it.
    pub by: AccountId,
}

/// A service was delisted: no new channels, hidden from ranked discovery.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDelisted {
    /// The service.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// Its organization.
    #[ink(topic)]
    pub org_id: String,
    /// Who delisted it.
    pub by: AccountId,
}

/// A delisted service was listed again.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRelisted {
    /// The service.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// Its organization.
    #[ink(topic)]
    pub org_id: String,
    /// Who relisted it.
    pub by: AccountId,
}

/// A service was deleted; its id is never reused.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDeleted {
    /// The service.
    #[ink(topic)]
    pub service_id: ServiceId,
    /// Its former organization.
    #[ink(topic)]
    pub org_id: String,
    /// Who deleted it.
    pub by: AccountId,
}

/// A service joined a tag's leaderboard (`promote`), replacing `evicted` if the board
/// was full.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promoted {
    /// The tag whose leaderboard changed.
    #[ink(topic)]
    pub tag: String,
    /// The service that joined.
    pub service_id: ServiceId,
    /// The member it replaced: one no longer listed under the tag, or the weakest by
    /// score; `None` if the board had room.
    pub evicted: Option<ServiceId>,
}

/// Every event the registry emits; the logic returns these and the contract emits them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// See [`OwnershipTransferred`].
    OwnershipTransferred(OwnershipTransferred),
    /// See [`ReputationSet`].
    ReputationSet(ReputationSet),
    /// See [`OrgCreated`].
    OrgCreated(OrgCreated),
    /// See [`OrgOwnershipTransferred`].
    OrgOwnershipTransferred(OrgOwnershipTransferred),
    /// See [`OrgMemberAdded`].
    OrgMemberAdded(OrgMemberAdded),
    /// See [`OrgMemberRemoved`].
    OrgMemberRemoved(OrgMemberRemoved),
    /// See [`OrgDeleted`].
    OrgDeleted(OrgDeleted),
    /// See [`ServiceRegistered`].
    ServiceRegistered(ServiceRegistered),
    /// See [`ServiceUpdated`].
    ServiceUpdated(ServiceUpdated),
    /// See [`ServiceDelisted`].
    ServiceDelisted(ServiceDelisted),
    /// See [`ServiceRelisted`].
    ServiceRelisted(ServiceRelisted),
    /// See [`ServiceDeleted`].
    ServiceDeleted(ServiceDeleted),
    /// See [`Promoted`].
    Promoted(Promoted),
}

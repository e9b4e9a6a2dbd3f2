//! Cross-contract interfaces. Each is implemented by one contract and called by others
//! through `ink::contract_ref!`, so contract crates never depend on each other.
//!
//! Selectors of trait messages are derived from `Trait::message`, so off-chain callers
//! (polkadot.js, Contracts UI) see them under these names in the contracts' metadata.

use crate::types::{
    AccountId, Balance, ChannelFacts, ChannelId, OracleError, Ppm, ServiceId, ServiceTerms,
    Settlement, Timestamp,
};
use ink::prelude::vec::Vec;

/// Implemented by **registry**; called by escrow (terms of a service) and by
/// reputation (who may not rate a service).
#[ink::trait_definition]
pub trait ServiceDirectory {
    /// Payee, price and active flag of a service; `None` if it does not exist (never
    /// registered, or deleted).
    #[ink(message)]
    fn service_terms(&self, service_id: ServiceId) -> Option<ServiceTerms>;

    /// True if `account` is (or ever was) the owner or a member of the service's
    /// organization or the payee of one of its services: such accounts may not rate
    /// the service.
    #[ink(message)]
    fn is_affiliated(&self, service_id: ServiceId, account: AccountId) -> bool;
}

/// Implemented by **reputation**; escrow reports outcomes, registry reads scores.
#[ink::trait_definition]
pub trait ReputationOracle {
    /// Paid fulfillment, one entry per channel (with what it had claimed before, so a
    /// channel's success is bounded over its life). Only the wired escrow may call it.
    #[ink(message)]
    fn report_settlements(&mut self, settlements: Vec<Settlement>) -> Result<(), OracleError>;

    /// A channel of `client` for `service_id` ended with nothing claimed (counted at
    /// most once per client, service and epoch) after locking `locked` for
    /// `locked_for` ms (its expiry minus when its funds were locked; a failure counts
    /// in proportion to it, up to the reference duration: security review M2). Only
    /// the wired escrow may call it.
    #[ink(message)]
    fn report_failure(
        &mut self,
        service_id: ServiceId,
        client: AccountId,
        locked: Balance,
        locked_for: Timestamp,
    ) -> Result<(), OracleError>;

    /// Ranking scores (lower confidence bound of quality, ppm) of a bounded list of
    /// services, in the same order; unknown services get the prior's score.
    #[ink(message)]
    fn rank_scores(&self, service_ids: Vec<ServiceId>) -> Vec<Ppm>;
}

/// Implemented by **escrow**; called by reputation to authorize and weigh a rating.
#[ink::trait_definition]
pub trait ChannelLedger {
    /// The facts of a channel, `None` if no such channel exists.
    #[ink(message)]
    fn channel_facts(&self, channel_id: ChannelId) -> Option<ChannelFacts>;
}

//! # Global Brain reputation
//!
//! The score oracle of the marketplace. Escrow reports paid fulfillment and expired,
//! unclaimed channels; clients who paid rate the service (1–5 stars), weighted by what
//! they paid and by their spend with other providers; registry ranks discovery by the
//! lower confidence bound this contract returns. The arithmetic is the `gb-scoring`
//! crate (shared with the market simulation); formula, parameters and reasons are in
//! this crate's README.
//!
//! The logic lives in [`data::ReputationData`]; this module only reads the caller and
//! the block time, makes the two cross-contract reads of `rate` (escrow's channel facts,
//! registry's affiliation check), and emits the events the logic returns.
#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The lints cargo-contract enforces on contract code (tests may use plain arithmetic).
#![cfg_attr(
    not(test),
    warn(
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        clippy::cast_possible_wrap,
        clippy::cast_sign_loss
    )
)]

pub mod data;
pub mod errors;
pub mod events;

pub use crate::reputation::{Reputation, ReputationRef};
pub use data::{MAX_RANK_IDS, MAX_REPORT};
pub use errors::{Error, Result};
pub use events::Event;
pub use gb_scoring::{ParamError, Params, Score, ServiceStats};

#[cfg(test)]
mod contract_tests;

// ink generates one enum variant per constructor; `new_with_params` carries a whole
// `Params` (over 256 bytes since the H1/M2 parameters), the others an account id. The
// decoder is built once per instantiation, so boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[ink::contract]
pub mod reputation {
    use crate::data::{ReputationData, ServiceCheck};
    use crate::errors::{Error, Result};
    use crate::events::Event;
    use gb_interfaces::{
        ChannelId, ChannelLedger, OracleError, Ppm, ReputationOracle, ServiceDirectory, ServiceId,
        Settlement,
    };
    use gb_scoring::{Params, Score, ServiceStats};
    use ink::codegen::TraitCallBuilder;
    use ink::prelude::vec::Vec;

    /// Reputation storage: all state is in the logic struct.
    #[ink(storage)]
    pub struct Reputation {
        data: ReputationData,
    }

    impl Reputation {
        /// Deploys the oracle owned by the caller, reading affiliations from `registry`,
        /// with the default parameters (`Params::default()`, reference price 10¹⁰
        /// plancks). Wire escrow afterwards with `set_escrow`.
        #[ink(constructor)]
        pub fn new(registry: AccountId) -> Self {
            Self {
                data: ReputationData::new(Self::env().caller(), registry),
            }
        }

        /// Like `new`, with explicit parameters. Errors: `InvalidParams`.
        #[ink(constructor)]
        pub fn new_with_params(registry: AccountId, params: Params) -> Result<Self> {
            Ok(Self {
                data: ReputationData::with_params(Self::env().caller(), registry, params)?,
            })
        }

        fn emit(&self, events: Vec<Event>) {
            for event in events {
                match event {
                    Event::Rated(e) => self.env().emit_event(e),
                    Event::FulfillmentRecorded(e) => self.env().emit_event(e),
                    Event::FailureRecorded(e) => self.env().emit_event(e),
                    Event::EscrowSet(e) => self.env().emit_event(e),
                    Event::RegistrySet(e) => self.env().emit_event(e),
                    Event::ParamsChanged(e) => self.env().emit_event(*e),
                    Event::OwnershipTransferred(e) => self.env().emit_event(e),
                }
            }
        }

        fn done(&self, events: Result<Vec<Event>>) -> Result<()> {
            self.emit(events?);
            Ok(())
        }

        // ----- administration ------------------------------------------------------

        /// Anyone: the contract owner.
        #[ink(message)]
        pub fn owner(&self) -> AccountId {
            self.data.owner()
        }

        /// Anyone: the registry asked who is affiliated with a service.
        #[ink(message)]
        pub fn registry(&self) -> AccountId {
            self.data.registry()
        }

        /// Anyone: the wired escrow (the only reporter of outcomes), if any.
        #[ink(message)]
        pub fn escrow(&self) -> Option<AccountId> {
            self.data.escrow()
        }

        /// Owner only: hands the contract to `new_owner`. Emits `OwnershipTransferred`.
        /// Errors: `NotOwner`.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            let events = self.data.transfer_ownership(self.env().caller(), new_owner);
            self.done(events)
        }

        /// Owner only: wires (or rewires) the escrow contract whose reports are
        /// accepted and whose channel facts authorize ratings; ratings are keyed by
        /// (escrow, channel), so a new escrow's channels never collide with rated
        /// ones. Emits `EscrowSet`.
        /// Errors: `NotOwner`.
        #[ink(message)]
        pub fn set_escrow(&mut self, escrow: AccountId) -> Result<()> {
            let events = self.data.set_escrow(self.env().caller(), escrow);
            self.done(events)
        }

        /// Owner only: rewires the registry asked about affiliations and prices;
        /// scores are keyed by (registry, service), so the new registry's services
        /// start from the prior. Emits `RegistrySet`. Errors: `NotOwner`.
        #[ink(message)]
        pub fn set_registry(&mut self, registry: AccountId) -> Result<()> {
            let events = self.data.set_registry(self.env().caller(), registry);
            self.done(events)
        }

        /// Owner only: replaces the score parameters (each within its documented
        /// bounds). Emits `ParamsChanged`. Errors: `NotOwner`, `InvalidParams`.
        #[ink(message)]
        pub fn set_params(&mut self, params: Params) -> Result<()> {
            let events = self.data.set_params(self.env().caller(), params);
            self.done(events)
        }

        /// Anyone: the score parameters.
        #[ink(message)]
        pub fn params(&self) -> Params {
            self.data.params()
        }

        // ----- ratings -------------------------------------------------------------

        /// The client of a channel with claimed funds: rates the channel's service with
        /// 1..=5 `stars`, once per channel, within `rating_window_ms` of the last claim;
        /// at most one accepted rating per client, payee and epoch (day), over all the
        /// payee's services; never the service's owner, org members or payee. Reads the
        /// channel from escrow, the affiliation and the price from registry. Emits `Rated`.
        /// Errors: `InvalidStars`, `EscrowNotSet`, `AlreadyRated`, `EscrowCallFailed`,
        /// `ChannelNotFound`, `NotChannelClient`, `NothingClaimed`,
        /// `RatingWindowClosed`, `AlreadyRatedPayeeThisEpoch`, `RegistryCallFailed`,
        /// `Affiliated`, `Overflow`.
        #[ink(message)]
        pub fn rate(&mut self, channel_id: ChannelId, stars: u8) -> Result<()> {
            let caller = self.env().caller();
            let now = self.env().block_timestamp();
            let escrow = self.data.pre_rate(channel_id, stars)?;
            let ledger: ink::contract_ref!(ChannelLedger) = escrow.into();
            let facts = match ledger.call().channel_facts(channel_id).try_invoke() {
                Ok(Ok(facts)) => facts,
                _ => return Err(Error::EscrowCallFailed),
            };
            let registry = self.data.registry();
            let check_service = |service_id: ServiceId| -> Result<ServiceCheck> {
                let directory: ink::contract_ref!(ServiceDirectory) = registry.into();
                let affiliated = match directory
                    .call()
                    .is_affiliated(service_id, caller)
                    .try_invoke()
                {
                    Ok(Ok(affiliated)) => affiliated,
                    _ => return Err(Error::RegistryCallFailed),
                };
                let price = match directory.call().service_terms(service_id).try_invoke() {
                    Ok(Ok(terms)) => terms.map(|t| t.price),
                    _ => return Err(Error::RegistryCallFailed),
                };
                Ok(ServiceCheck { affiliated, price })
            };
            let events = self
                .data
                .rate(caller, now, channel_id, stars, facts, check_service);
            self.done(events)
        }

        /// Anyone: true if the channel was rated.
        #[ink(message)]
        pub fn has_rated(&self, channel_id: ChannelId) -> bool {
            self.data.has_rated(channel_id)
        }

        /// Anyone: the maturity (ppm, floor included) a rating by `client` of a channel
        /// paying `payee` would have now (decayed spend with established other payees).
        #[ink(message)]
        pub fn maturity_of(&self, client: AccountId, payee: AccountId) -> Ppm {
            self.data
                .maturity_of(client, payee, self.env().block_timestamp())
        }

        // ----- scores --------------------------------------------------------------

        /// Anyone: the score of a service now, with its components (rating means,
        /// fulfillment, quality, LCB, masses); unknown services get the prior's.
        #[ink(message)]
        pub fn score_of(&self, service_id: ServiceId) -> Score {
            self.data.score_of(service_id, self.env().block_timestamp())
        }

        /// Anyone: the stored (not yet decayed) accumulators of a service, `None` if
        /// nothing was ever recorded for it.
        #[ink(message)]
        pub fn stats_of(&self, service_id: ServiceId) -> Option<ServiceStats> {
            self.data.stats_of(service_id)
        }
    }

    impl ReputationOracle for Reputation {
        /// The wired escrow only: paid fulfillment, aggregated per service (at most
        /// `MAX_REPORT` entries). Emits `FulfillmentRecorded` per entry with `paid > 0`.
        /// Errors: `NotEscrow`, `TooManySettlements`.
        #[ink(message)]
        fn report_settlements(
            &mut self,
            settlements: Vec<Settlement>,
        ) -> core::result::Result<(), OracleError> {
            let events = self.data.report_settlements(
                self.env().caller(),
                self.env().block_timestamp(),
                &settlements,
            )?;
            self.emit(events);
            Ok(())
        }

        /// The wired escrow only: a channel of `client` for `service_id` ended with
        /// nothing claimed after locking `locked` for `locked_for` ms; its failure mass
        /// is weighed by `min(1, locked_for / failure_lock_ref)` (security review M2).
        /// Counted at most once per client, service and epoch (day). Emits
        /// `FailureRecorded` when counted. Errors: `NotEscrow`.
        #[ink(message)]
        fn report_failure(
            &mut self,
            service_id: ServiceId,
            client: AccountId,
            locked: Balance,
            locked_for: Timestamp,
        ) -> core::result::Result<(), OracleError> {
            let events = self.data.report_failure(
                self.env().caller(),
                self.env().block_timestamp(),
                service_id,
                client,
                locked,
                locked_for,
            )?;
            self.emit(events);
            Ok(())
        }

        /// Anyone (registry's ranking): the LCB score (ppm) of each service, in order;
        /// unknown services get the prior's. More than `MAX_RANK_IDS` (64) ids: an
        /// empty list.
        #[ink(message)]
        fn rank_scores(&self, service_ids: Vec<ServiceId>) -> Vec<Ppm> {
            self.data
                .rank_scores(&service_ids, self.env().block_timestamp())
        }
    }
}

//! The reputation logic, independent of the chain: every method takes the caller and
//! the time explicitly (and, for `rate`, the channel facts and an affiliation check
//! that `lib.rs` fetches from escrow and registry) and returns the events to emit.
//!
//! Cost: every write is O(1) storage accesses (report_settlements: O(`MAX_REPORT`));
//! reads are O(1), `rank_scores` O(`MAX_RANK_IDS`). The score arithmetic is
//! `gb_scoring`, shared with the market simulation.

use crate::errors::{Error, Result};
use crate::events::*;
use gb_interfaces::{
    AccountId, Balance, ChannelFacts, ChannelId, OracleError, Ownable, Ppm, ServiceId, Settlement,
    Timestamp,
};
use gb_scoring::rules::{self, RateError, RatedChannel, RatingBook};
use gb_scoring::{epoch_of, stars_to_ppm, Params, Score, ServiceStats, Spend};
use ink::prelude::{boxed::Box, vec, vec::Vec};
use ink::storage::Mapping;

/// Most settlements escrow may report in one call (`OracleError::TooManySettlements`).
pub const MAX_REPORT: usize = 64;
/// Most service ids `rank_scores` answers for; a longer list gets an empty answer.
pub const MAX_RANK_IDS: usize = 64;

/// (registry, client, service): the key of the failure de-duplication.
type FailureKey = (AccountId, AccountId, ServiceId);

/// What `rate` learns from the registry about the rated service (asked once every
/// cheaper check passed): `gb_scoring::ServiceCheck`.
pub use gb_scoring::ServiceCheck;

/// All reputation state and the rules that change it.
#[ink::storage_item]
#[derive(Debug)]
pub struct ReputationData {
    /// Contract owner: wiring and parameters.
    ownable: Ownable,
    /// Registry asked who is affiliated with a service.
    registry: AccountId,
    /// The only account allowed to report outcomes; asked for channel facts.
    escrow: Option<AccountId>,
    /// Score parameters (validated).
    params: Params,
    /// Decayed accumulators per (registry, service): a rewired registry's services
    /// start from the prior instead of inheriting another registry's scores (security
    /// review L1). Absent = never seen (the prior).
    stats: Mapping<(AccountId, ServiceId), ServiceStats>,
    /// Channels that were rated (once per channel), per (escrow, channel id): a
    /// rewired escrow's channel ids never collide with rated ones (L1).
    rated: Mapping<(AccountId, ChannelId), ()>,
    /// Last epoch a failure was counted per (registry, client, service).
    failure_epoch: Mapping<FailureKey, u64>,
    /// What a client paid over the channels it rated, each channel weighted by how
    /// established its service was (`gb_scoring::establishment`), decaying with the
    /// slow half-life.
    spend_total: Mapping<AccountId, Spend>,
    /// The same, per payee.
    spend: Mapping<(AccountId, AccountId), Spend>,
    /// Paid amount (before maturity) a client's ratings of a payee counted, decaying
    /// with the slow half-life; at most `rater_cap` (security review H1).
    given: Mapping<(AccountId, AccountId), Spend>,
    /// Last epoch a rating by a client of a channel paying a payee was accepted, per
    /// (client, payee): at most one accepted rating per (client, payee, epoch). One
    /// entry per pair, overwritten in place.
    rated_payee_epoch: Mapping<(AccountId, AccountId), u64>,
}

impl ReputationData {
    /// State owned by `owner`, reading affiliations from `registry`, with the
    /// default parameters (`Params::default()`, tested to be within bounds). Escrow is
    /// wired later with `set_escrow`.
    pub fn new(owner: AccountId, registry: AccountId) -> Self {
        Self {
            ownable: Ownable::new(owner),
            registry,
            escrow: None,
            params: Params::default(),
            stats: Mapping::default(),
            rated: Mapping::default(),
            failure_epoch: Mapping::default(),
            spend_total: Mapping::default(),
            spend: Mapping::default(),
            given: Mapping::default(),
            rated_payee_epoch: Mapping::default(),
        }
    }

    /// Like [`Self::new`] with explicit `params`. Errors: `InvalidParams`.
    pub fn with_params(owner: AccountId, registry: AccountId, params: Params) -> Result<Self> {
        params.validate().map_err(Error::InvalidParams)?;
        let mut data = Self::new(owner, registry);
        data.params = params;
        Ok(data)
    }

    // ----- reads -------------------------------------------------------------------

    /// The contract owner.
    pub fn owner(&self) -> AccountId {
        self.ownable.owner()
    }

    /// The registry asked about affiliations.
    pub fn registry(&self) -> AccountId {
        self.registry
    }

    /// The wired escrow, if any.
    pub fn escrow(&self) -> Option<AccountId> {
        self.escrow
    }

    /// The score parameters.
    pub fn params(&self) -> Params {
        self.params
    }

    /// True if the wired escrow's channel `channel_id` was rated (false while no
    /// escrow is wired).
    pub fn has_rated(&self, channel_id: ChannelId) -> bool {
        self.escrow
            .is_some_and(|escrow| self.rated.contains((escrow, channel_id)))
    }

    /// The stored (not decayed) accumulators of the wired registry's service, `None`
    /// if never seen.
    pub fn stats_of(&self, service_id: ServiceId) -> Option<ServiceStats> {
        self.stats.get((self.registry, service_id))
    }

    /// Score of a service at time `now` with all its components, computed on a
    /// decayed copy (nothing is written). Unknown services get the prior's score.
    pub fn score_of(&self, service_id: ServiceId, now: Timestamp) -> Score {
        self.stats
            .get((self.registry, service_id))
            .unwrap_or_default()
            .score(&self.params, epoch_of(now))
    }

    /// LCB (ppm) of each service at `now`, in order; unknown services get the
    /// prior's. More than `MAX_RANK_IDS` ids: an empty list (nothing is guessed).
    pub fn rank_scores(&self, service_ids: &[ServiceId], now: Timestamp) -> Vec<Ppm> {
        if service_ids.len() > MAX_RANK_IDS {
            return Vec::new();
        }
        service_ids
            .iter()
            .map(|id| self.score_of(*id, now).lcb)
            .collect()
    }

    /// Maturity (ppm, floor included) a rating by `client` of a channel paying
    /// `payee` would have at `now`: its decayed, establishment-weighted rated spend
    /// with other payees over `spend_ref`.
    pub fn maturity_of(&self, client: AccountId, payee: AccountId, now: Timestamp) -> Ppm {
        self.maturity_for(&self.params, client, payee, epoch_of(now))
    }

    // ----- administration ----------------------------------------------------------

    fn ensure_owner(&self, caller: AccountId) -> Result<()> {
        Ok(self.ownable.ensure_owner(caller)?)
    }

    /// Owner only: hands the contract to `new_owner`. Errors: `NotOwner`.
    pub fn transfer_ownership(
        &mut self,
        caller: AccountId,
        new_owner: AccountId,
    ) -> Result<Vec<Event>> {
        let event = self.ownable.transfer(caller, new_owner)?;
        Ok(vec![Event::OwnershipTransferred(event)])
    }

    /// Owner only: wires (or rewires) the escrow contract. Ratings are keyed by
    /// (escrow, channel), so a new escrow's channels are rated afresh. Errors:
    /// `NotOwner`.
    pub fn set_escrow(&mut self, caller: AccountId, escrow: AccountId) -> Result<Vec<Event>> {
        self.ensure_owner(caller)?;
        let previous = self.escrow.replace(escrow);
        Ok(vec![Event::EscrowSet(EscrowSet { previous, escrow })])
    }

    /// Owner only: rewires the registry contract. Scores are keyed by (registry,
    /// service), so the new registry's services start from the prior and the old
    /// registry's scores come back if it is wired again. Errors: `NotOwner`.
    pub fn set_registry(&mut self, caller: AccountId, registry: AccountId) -> Result<Vec<Event>> {
        self.ensure_owner(caller)?;
        let previous = core::mem::replace(&mut self.registry, registry);
        Ok(vec![Event::RegistrySet(RegistrySet {
            previous,
            service_registry: registry,
        })])
    }

    /// Owner only: replaces the parameters (validated). Half-lives apply to the time
    /// elapsed since each service's last update. Errors: `NotOwner`, `InvalidParams`.
    pub fn set_params(&mut self, caller: AccountId, params: Params) -> Result<Vec<Event>> {
        self.ensure_owner(caller)?;
        params.validate().map_err(Error::InvalidParams)?;
        let previous = core::mem::replace(&mut self.params, params);
        Ok(vec![Event::ParamsChanged(Box::new(ParamsChanged {
            previous,
            params,
        }))])
    }

    // ----- outcomes from escrow ----------------------------------------------------

    fn ensure_escrow(&self, caller: AccountId) -> core::result::Result<(), OracleError> {
        if self.escrow == Some(caller) {
            Ok(())
        } else {
            Err(OracleError::NotEscrow)
        }
    }

    /// Escrow only: paid fulfillment, one entry per channel; each entry adds
    /// `channel_success(claimed_before, paid)` success mass to its service, so one
    /// channel adds at most `settle_cap` over its whole life, however its claims are
    /// split or repeated (security review M1). One `FulfillmentRecorded` per service
    /// (in order of first appearance) with the summed `paid`, the number of entries
    /// and the mass added; entries with `paid = 0` are skipped.
    /// Errors: `NotEscrow`, `TooManySettlements` (more than `MAX_REPORT`).
    pub fn report_settlements(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        settlements: &[Settlement],
    ) -> core::result::Result<Vec<Event>, OracleError> {
        self.ensure_escrow(caller)?;
        if settlements.len() > MAX_REPORT {
            return Err(OracleError::TooManySettlements);
        }
        let epoch = epoch_of(now);
        // One storage read and write per service, however many channels it has here.
        let mut touched: Vec<(ServiceStats, FulfillmentRecorded)> = Vec::new();
        for s in settlements.iter().filter(|s| s.paid > 0) {
            let slot = touched
                .iter()
                .position(|(_, e)| e.service_id == s.service_id);
            let (stats, event) = match slot.and_then(|i| touched.get_mut(i)) {
                Some(entry) => entry,
                None => {
                    let stats = self
                        .stats
                        .get((self.registry, s.service_id))
                        .unwrap_or_default();
                    touched.push((
                        stats,
                        FulfillmentRecorded {
                            service_id: s.service_id,
                            paid: 0,
                            channels: 0,
                            mass: 0,
                        },
                    ));
                    match touched.last_mut() {
                        Some(entry) => entry,
                        None => continue,
                    }
                }
            };
            let mass = stats.add_channel_settlement(&self.params, epoch, s.claimed_before, s.paid);
            event.paid = event.paid.saturating_add(s.paid);
            event.channels = event.channels.saturating_add(1);
            event.mass = event.mass.saturating_add(mass);
        }
        let mut events = Vec::with_capacity(touched.len());
        for (stats, event) in touched {
            self.stats.insert((self.registry, event.service_id), &stats);
            events.push(Event::FulfillmentRecorded(event));
        }
        Ok(events)
    }

    /// Escrow only: a channel of `client` for `service_id` ended with nothing
    /// claimed after locking `locked` for `locked_for` ms; adds `min(locked,
    /// failure_cap) · min(1, locked_for / failure_lock_ref)` failure mass, at most once
    /// per (client, service, epoch) (a repeat returns no events); the failures of
    /// clients at the maturity floor (no decayed rated spend above it: fresh accounts)
    /// count at most `epoch_failure_cap` per service and epoch
    /// (`gb_scoring::rules::failure`; security review M2: a 1 ms channel records
    /// nothing, failure mass F needs F locked for `failure_lock_ref`).
    /// Errors: `NotEscrow`.
    pub fn report_failure(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        service_id: ServiceId,
        client: AccountId,
        locked: Balance,
        locked_for: Timestamp,
    ) -> core::result::Result<Vec<Event>, OracleError> {
        self.ensure_escrow(caller)?;
        let epoch = epoch_of(now);
        let failure_key = (self.registry, client, service_id);
        if self.failure_epoch.get(failure_key) == Some(epoch) {
            return Ok(Vec::new());
        }
        let mut stats = self
            .stats
            .get((self.registry, service_id))
            .unwrap_or_default();
        let spend = self.spend_total.get(client).unwrap_or_default();
        let mass = rules::failure(&self.params, &mut stats, spend, locked, locked_for, now);
        self.stats.insert((self.registry, service_id), &stats);
        self.failure_epoch.insert(failure_key, &epoch);
        Ok(vec![Event::FailureRecorded(FailureRecorded {
            service_id,
            client,
            locked,
            locked_for,
            mass,
        })])
    }

    // ----- ratings -----------------------------------------------------------------

    /// The checks `rate` can make before asking escrow anything; returns the escrow
    /// to ask. Errors: `InvalidStars`, `EscrowNotSet`, `AlreadyRated`.
    pub fn pre_rate(&self, channel_id: ChannelId, stars: u8) -> Result<AccountId> {
        stars_to_ppm(stars).ok_or(Error::InvalidStars)?;
        let escrow = self.escrow.ok_or(Error::EscrowNotSet)?;
        if self.rated.contains((escrow, channel_id)) {
            return Err(Error::AlreadyRated);
        }
        Ok(escrow)
    }

    /// `caller` rates channel `channel_id` (`facts` as escrow reported them) with
    /// `stars` at `now`. `check_service(service_id)` asks the registry (affiliation and
    /// price); it is called only once every cheaper check passed.
    ///
    /// Rules: stars 1..=5; once per channel; caller is the channel's payer (who funded
    /// it: the client, or the third party of escrow's `open_channel_for`); something
    /// was claimed; `now ≤ last_claim_at + rating_window_ms`; at most one accepted
    /// rating per (caller, payee, epoch), whichever of the payee's services it is for;
    /// caller is not the payee nor affiliated with the service.
    ///
    /// Weight `w = min(claimed, rating_price_calls · price, rating_cap, room) · μ`
    /// (one rating weighs at most k calls at the registered price, and all the
    /// caller's ratings of this payee count at most `rater_cap` over time — `room` is
    /// what is left of it, decaying back with the slow half-life: security review H1), μ
    /// from the caller's spend with other payees (floor `min_maturity`). That spend
    /// decays with the slow half-life and each channel counts in it only as far as its
    /// service was established (`gb_scoring::establishment`), so maturity is neither
    /// bought once for ever nor bought from a fresh second service (H1). Never refused
    /// for the per-epoch cap: the epoch's ratings below and at or above the service's
    /// mean each count at most `epoch_rating_cap`, pro rata
    /// (`ServiceStats::add_rating`; security review M3). Then the channel's claimed
    /// amount, weighted by its service's establishment, is added to the caller's spend.
    ///
    /// Errors: `InvalidStars`, `EscrowNotSet`, `AlreadyRated`, `ChannelNotFound`,
    /// `NotChannelClient`, `NothingClaimed`, `RatingWindowClosed`,
    /// `AlreadyRatedPayeeThisEpoch`, `Affiliated`, `Overflow`,
    /// or the error of `check_service`. Nothing is written on any error.
    pub fn rate<F>(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        channel_id: ChannelId,
        stars: u8,
        facts: Option<ChannelFacts>,
        check_service: F,
    ) -> Result<Vec<Event>>
    where
        F: FnOnce(ServiceId) -> Result<ServiceCheck>,
    {
        let escrow = self.pre_rate(channel_id, stars)?;
        let facts = facts.ok_or(Error::ChannelNotFound)?;
        let stats_key = (self.registry, facts.service_id);
        let stats = self.stats.get(stats_key).unwrap_or_default();
        // The channel's payer rates it (L9: not the `client` an `open_channel_for`
        // named, who paid nothing).
        let channel = RatedChannel {
            client: facts.payer,
            payee: facts.payee,
            claimed: facts.claimed,
            last_claim_at: facts.last_claim_at,
        };
        let check = || check_service(facts.service_id);
        let rating = rules::rate(
            &self.params,
            self,
            caller,
            channel,
            stats,
            stars,
            now,
            check,
        )
        .map_err(|e| match e {
            RateError::Refused(r) => Error::from(r),
            RateError::Service(e) => e,
        })?;
        let (weight, mu, epoch_share) = (rating.weight, rating.maturity, rating.epoch_share);
        self.stats.insert(stats_key, &rating.stats);
        self.rated.insert((escrow, channel_id), &());
        self.spend_total.insert(caller, &rating.spend_total);
        self.spend.insert((caller, facts.payee), &rating.spend_with);
        self.given.insert((caller, facts.payee), &rating.given);
        self.rated_payee_epoch
            .insert((caller, facts.payee), &rating.epoch);
        Ok(vec![Event::Rated(Rated {
            service_id: facts.service_id,
            client: caller,
            channel_id,
            stars,
            maturity: mu,
            weight,
            epoch_share,
        })])
    }
}

#[cfg(test)]
mod attack_tests;
impl RatingBook for ReputationData {
    type Account = AccountId;

    fn rated_payee_epoch(&self, client: AccountId, payee: AccountId) -> Option<u64> {
        self.rated_payee_epoch.get((client, payee))
    }

    fn spend_total(&self, client: AccountId) -> Spend {
        self.spend_total.get(client).unwrap_or_default()
    }

    fn spend_with(&self, client: AccountId, payee: AccountId) -> Spend {
        self.spend.get((client, payee)).unwrap_or_default()
    }

    fn given(&self, client: AccountId, payee: AccountId) -> Spend {
        self.given.get((client, payee)).unwrap_or_default()
    }
}

#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
pub(crate) mod tests;

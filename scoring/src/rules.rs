//! The rating and failure rules themselves, not only their arithmetic: the order of
//! the checks, the weight, the maturity and spend bookkeeping. The reputation contract
//! (`reputation/src/data.rs`) and the market simulation (`sim/src/rules.rs`) both call
//! [`rate`] and [`failure`], each over its own storage ([`RatingBook`]), so what is
//! simulated is what runs on chain.
//!
//! What stays with the caller: finding the channel (the contract asks escrow), the
//! once-per-channel check (`AlreadyRated`, keyed by the caller's own ids), asking the
//! registry (affiliation, price: the `check_service` closure, called only once every
//! cheaper check passed), writing the returned [`Rating`], and the failure
//! de-duplication per (client, service, epoch).

use crate::decay::epoch_of;
use crate::fixed::{mul_ppm, ratio_ppm, Ppm};
use crate::params::Params;
use crate::rating::{establishment, maturity, rated_amount, rating_weight, stars_to_ppm, Spend};
use crate::stats::ServiceStats;

/// What the rules read besides the service's stats, keyed by the caller's accounts.
pub trait RatingBook {
    /// An account (the contract's `AccountId`, the simulation's index).
    type Account: Copy + PartialEq;
    /// Epoch of the last accepted rating by `client` of a channel paying `payee`.
    fn rated_payee_epoch(&self, client: Self::Account, payee: Self::Account) -> Option<u64>;
    /// `client`'s establishment-weighted rated spend, over all payees.
    fn spend_total(&self, client: Self::Account) -> Spend;
    /// The same, with `payee` only.
    fn spend_with(&self, client: Self::Account, payee: Self::Account) -> Spend;
    /// What `client`'s ratings of `payee` counted (before maturity), toward `rater_cap`.
    fn given(&self, client: Self::Account, payee: Self::Account) -> Spend;

    /// `client`'s maturity (ppm, floor included) for a rating of a channel paying
    /// `payee` in `epoch`: its decayed spend with other payees over `spend_ref`.
    fn maturity_for(
        &self,
        params: &Params,
        client: Self::Account,
        payee: Self::Account,
        epoch: u64,
    ) -> Ppm {
        let total = self.spend_total(client).at(params, epoch);
        let with_payee = self.spend_with(client, payee).at(params, epoch);
        maturity(total.saturating_sub(with_payee), params.spend_ref).max(params.min_maturity)
    }
}

/// The rated channel as escrow reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatedChannel<A> {
    /// The channel's client (the only account that may rate it).
    pub client: A,
    /// The payee the channel pays.
    pub payee: A,
    /// Amount claimed so far.
    pub claimed: u128,
    /// Time of the last claim (ms): the rating window starts here.
    pub last_claim_at: u64,
}

/// What the registry says about the rated service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCheck {
    /// The caller is the service's owner, an org member or its payee.
    pub affiliated: bool,
    /// The service's registered price per call; `None` if it no longer exists (its
    /// ratings then count nothing).
    pub price: Option<u128>,
}

/// Why a rating was refused by the rules (the caller maps these to its errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Stars outside 1..=5.
    InvalidStars,
    /// The caller is not the channel's client.
    NotChannelClient,
    /// Nothing was claimed.
    NothingClaimed,
    /// After `last_claim_at + rating_window_ms`.
    RatingWindowClosed,
    /// The caller had a rating of this payee accepted this epoch already.
    AlreadyRatedPayeeThisEpoch,
    /// The caller is the payee, or the registry says it is affiliated.
    Affiliated,
    /// A spend counter would overflow.
    Overflow,
}

/// A refusal, or the error of `check_service`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateError<E> {
    /// Refused by the rules.
    Refused(Refusal),
    /// `check_service` failed.
    Service(E),
}

impl<E> From<Refusal> for RateError<E> {
    fn from(r: Refusal) -> Self {
        RateError::Refused(r)
    }
}

/// An accepted rating: everything the caller writes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    /// The epoch of the rating (for `rated_payee_epoch`).
    pub epoch: u64,
    /// The rating's weight (plancks).
    pub weight: u128,
    /// The rater's maturity (ppm, floor included).
    pub maturity: Ppm,
    /// Share of the weight that counts so far (the epoch's pro-rata cap).
    pub epoch_share: Ppm,
    /// The service's stats with the rating added.
    pub stats: ServiceStats,
    /// The caller's new `spend_total`.
    pub spend_total: Spend,
    /// The caller's new `spend_with(payee)`.
    pub spend_with: Spend,
    /// The caller's new `given(payee)`.
    pub given: Spend,
}

/// The rating rules, in order: stars 1..=5; the caller is the channel's client;
/// something was claimed; within `rating_window_ms` of the last claim; at most one
/// accepted rating per (caller, payee, epoch); the caller is not the payee; then
/// `check_service` (the registry): not affiliated, and the price.
///
/// Weight `w = min(claimed, rating_price_calls · price, rating_cap, room) · μ`, where
/// `room` is what is left of the caller's `rater_cap` with this payee (decaying back)
/// and μ its maturity from decayed spend with other payees (floor `min_maturity`).
/// The rating goes into the epoch's pro-rata bucket (`ServiceStats::add_rating`; never
/// refused for the cap). The channel's claimed amount, weighted by how established the
/// service was before this rating, is added to the caller's spend.
#[allow(clippy::too_many_arguments)] // the rule's inputs, each named at the call site
pub fn rate<B, E, F>(
    params: &Params,
    book: &B,
    caller: B::Account,
    channel: RatedChannel<B::Account>,
    stats: ServiceStats,
    stars: u8,
    now: u64,
    check_service: F,
) -> Result<Rating, RateError<E>>
where
    B: RatingBook,
    F: FnOnce() -> Result<ServiceCheck, E>,
{
    let x = stars_to_ppm(stars).ok_or(Refusal::InvalidStars)?;
    if channel.client != caller {
        return Err(Refusal::NotChannelClient.into());
    }
    if channel.claimed == 0 {
        return Err(Refusal::NothingClaimed.into());
    }
    if now
        > channel
            .last_claim_at
            .saturating_add(params.rating_window_ms)
    {
        return Err(Refusal::RatingWindowClosed.into());
    }
    let epoch = epoch_of(now);
    if book.rated_payee_epoch(caller, channel.payee) == Some(epoch) {
        return Err(Refusal::AlreadyRatedPayeeThisEpoch.into());
    }
    if channel.payee == caller {
        return Err(Refusal::Affiliated.into());
    }
    let service = check_service().map_err(RateError::Service)?;
    if service.affiliated {
        return Err(Refusal::Affiliated.into());
    }

    let p = params;
    let other = {
        let total = book.spend_total(caller).at(p, epoch);
        total.saturating_sub(book.spend_with(caller, channel.payee).at(p, epoch))
    };
    let given = book.given(caller, channel.payee);
    let room = p.rater_cap.saturating_sub(given.at(p, epoch));
    let counted = rated_amount(p, channel.claimed, service.price).min(room);
    let given = given.plus(p, epoch, counted).ok_or(Refusal::Overflow)?;
    let (weight, mu) = rating_weight(p, counted, other);
    let (before, _) = stats.decayed_to(p, epoch).with_epoch_ratings(p);
    let credit = mul_ppm(channel.claimed, establishment(p, before.rating_mass));
    let spend_total = book
        .spend_total(caller)
        .plus(p, epoch, credit)
        .ok_or(Refusal::Overflow)?;
    let spend_with = book
        .spend_with(caller, channel.payee)
        .plus(p, epoch, credit)
        .ok_or(Refusal::Overflow)?;
    let mut stats = stats;
    let epoch_share = stats.add_rating(p, epoch, weight, x);
    Ok(Rating {
        epoch,
        weight,
        maturity: mu,
        epoch_share,
        stats,
        spend_total,
        spend_with,
        given,
    })
}

/// The failure mass of one channel that locked `locked` for `locked_for` ms and
/// ended with nothing claimed, before the per-epoch cap of fresh clients:
/// `min(locked, failure_cap) · min(1, locked_for / failure_lock_ref)`, the time share
/// in ppm (floor), so a lock shorter than `failure_lock_ref / 10⁶` (21.6 ms by default)
/// counts nothing. Total: no overflow, no division by zero (a 0 `failure_lock_ref`,
/// refused by `Params::validate`, counts every lock fully).
///
/// The bound it gives (security review M2): a channel's mass is at most
/// `locked · locked_for / failure_lock_ref`, so failure mass F against a service
/// needs at least F of capital locked for `failure_lock_ref` (by default F U for 6
/// h), whoever and however many the clients are.
pub fn failure_mass(params: &Params, locked: u128, locked_for: u64) -> u128 {
    let capped = locked.min(params.failure_cap);
    let lock_ref = params.failure_lock_ref;
    if lock_ref == 0 || locked_for >= lock_ref {
        return capped;
    }
    mul_ppm(
        capped,
        ratio_ppm(u128::from(locked_for), u128::from(lock_ref)),
    )
}

/// The failure rule (de-duplication per client, service and epoch is the caller's): a
/// channel of a client whose decayed rated spend is `client_spend` locked `locked` for
/// `locked_for` ms and ended with nothing claimed; adds [`failure_mass`] through
/// `ServiceStats::add_failure_of` (a client at the maturity floor counts within the
/// day's `epoch_failure_cap`) and returns the mass added.
pub fn failure(
    params: &Params,
    stats: &mut ServiceStats,
    client_spend: Spend,
    locked: u128,
    locked_for: u64,
    now: u64,
) -> u128 {
    let epoch = epoch_of(now);
    let spend = client_spend.at(params, epoch);
    let mu = maturity(spend, params.spend_ref).max(params.min_maturity);
    let mass = failure_mass(params, locked, locked_for);
    stats.add_failure_of(params, epoch, mass, mu)
}

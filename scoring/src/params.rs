//! Parameters of the score, their defaults and the bounds [`Params::validate`] enforces.
//!
//! Amounts (masses) are in the chain's smallest unit (plancks). The defaults are
//! multiples of a reference call price `unit` (U); [`Params::for_unit`] builds them for
//! any U. Reasons for each default are in `reputation/README.md`. Since 2026-11-25 the
//! defaults of `spend_ref`, `min_maturity`, `prior_rating_mass`, `z` and `failure_cap`
//! are the ones the market simulation measured as better (`sim/README.md`, "Proposed
//! changes"; evidence in `docs/sim/`).

use crate::fixed::Ppm;

/// Default reference call price U: 10¹⁰ plancks (1 DOT; 0.01 UNIT on a 12-decimal
/// dev chain).
pub const DEFAULT_UNIT: u128 = 10_000_000_000;
/// Largest amount parameter accepted: 10²⁷ plancks (far above any token supply). With
/// it, every accumulator stays below 2¹²⁸ by many orders of magnitude.
pub const MAX_AMOUNT: u128 = 1_000_000_000_000_000_000_000_000_000;
/// Largest prior mean rating: 0.8. The prior must sit at or below the market mean so
/// that a fresh identity (whitewashing) never beats an average established service.
pub const MAX_PRIOR_MEAN: Ppm = 800_000;
/// Largest maturity floor: 0.5 (a rater with no spend elsewhere never counts more than
/// half).
pub const MAX_MIN_MATURITY: Ppm = 500_000;
/// Largest confidence multiplier Z: 4.0 (in ppm).
pub const MAX_Z: Ppm = 4_000_000;
/// Largest half-life: 365 epochs (days).
pub const MAX_HALF_LIFE: u32 = 365;
/// Shortest rating window: one hour.
pub const MIN_RATING_WINDOW_MS: u64 = 3_600_000;
/// Longest rating window: 90 days.
pub const MAX_RATING_WINDOW_MS: u64 = 90 * 86_400_000;
/// Default `failure_lock_ref`: six hours (ms). Not a day: the market simulation's
/// honest channels run 6 h, and a longer reference discounts their failures too (with
/// a day, honest regret 0.143 → 0.176 and the malicious share with 30 % bad providers
/// 0.078 → 0.153; `sim/README.md`, M2).
pub const DEFAULT_FAILURE_LOCK_REF_MS: u64 = 6 * 3_600_000;
/// Largest `failure_lock_ref`: 366 days (escrow's longest channel), so a channel
/// can always count fully.
pub const MAX_FAILURE_LOCK_REF_MS: u64 = 366 * 86_400_000;

/// Every tunable of the score. See the field docs for meaning, default and bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ink", derive(scale::Encode, scale::Decode))]
#[cfg_attr(
    all(feature = "ink", feature = "std"),
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Params {
    /// U, the reference call price (plancks): the confidence bound counts evidence in
    /// units of U. Default [`DEFAULT_UNIT`]; bounds 1 ..= [`MAX_AMOUNT`].
    pub unit: u128,
    /// m0, the prior mean rating (ppm) every service starts from. Default 500_000
    /// (3 of 5 stars); bounds 0 ..= [`MAX_PRIOR_MEAN`].
    pub prior_mean: Ppm,
    /// K0, the prior's weight in rating mass (plancks). Default 10·U (was 20·U: lower
    /// honest regret in the simulation, milker detection unchanged; 5·U slowed it);
    /// 1 ..= MAX_AMOUNT.
    pub prior_rating_mass: u128,
    /// A0, prior success mass of fulfillment (plancks). Default 2·U; 1 ..= MAX_AMOUNT.
    pub prior_success: u128,
    /// B0, prior failure mass of fulfillment (plancks). Default 1·U; 1 ..= MAX_AMOUNT.
    pub prior_failure: u128,
    /// Success mass one settled channel adds at most (plancks). Default 50·U;
    /// 1 ..= MAX_AMOUNT.
    pub settle_cap: u128,
    /// Failure mass one expired, unclaimed channel adds at most (plancks). Default
    /// 1·U (was 10·U: free griefing with unused channels does 10× less; an honest
    /// failed call locks about 1·U anyway); 1 ..= MAX_AMOUNT.
    pub failure_cap: u128,
    /// CAP: the paid amount a single rating's weight counts at most (plancks). Default
    /// 50·U; 1 ..= MAX_AMOUNT.
    pub rating_cap: u128,
    /// Rating mass a service may gain per epoch (plancks). Default 100·U;
    /// 1 ..= MAX_AMOUNT.
    pub epoch_rating_cap: u128,
    /// SPEND_REF: spend with other payees at which a rater is fully mature (plancks).
    /// Default 50·U (was 20·U: with the one-rating-per-payee-per-epoch rule, mature
    /// sock accounts then cost self-dealers too much to pay); 1 ..= MAX_AMOUNT.
    pub spend_ref: u128,
    /// Maturity floor (ppm): weight of a rater with no spend elsewhere. Default
    /// 300_000 (30%; was 10%: a service's loyal customers have little spend elsewhere
    /// and were heard least by it; honest regret fell, no attack gained);
    /// 0 ..= [`MAX_MIN_MATURITY`].
    pub min_maturity: Ppm,
    /// Z, confidence multiplier of the lower bound (ppm). Default 500_000 (half a
    /// standard error; was 1.0: good newcomers rise sooner, collusion rings gain less,
    /// honest ranking equal or better; 0 let more bad providers through); 0 ..=
    /// [`MAX_Z`].
    pub z: Ppm,
    /// Half-life of the slow accumulators (epochs). Default 30; `half_life_fast ..=`
    /// [`MAX_HALF_LIFE`].
    pub half_life_slow: u32,
    /// Half-life of the fast accumulators (epochs). Default 3; 1 ..= `half_life_slow`.
    pub half_life_fast: u32,
    /// How long after the channel's last claim its client may rate (ms). Default 7
    /// days; [`MIN_RATING_WINDOW_MS`] ..= [`MAX_RATING_WINDOW_MS`].
    pub rating_window_ms: u64,
    /// k: one rating weighs at most k calls at the service's registered price, so a
    /// single 50 U "call" to a 1 U service does not weigh 50 calls (security review
    /// H1). Default 10; 1 ..= [`MAX_RATING_PRICE_CALLS`].
    pub rating_price_calls: u32,
    /// Rating mass (plancks, slow set) at which a service is established: spend with
    /// a service counts toward its client's maturity in proportion to how established
    /// the service is (`min(1, rating mass / established_mass)`), so maturity cannot
    /// be bought from a fresh second service of the attacker's own (security review
    /// H1): with `rater_cap` its own k socks hold at most k·C·μ of its rating mass.
    /// Default 20·U (2·K0: 4 days of 40 rated 1 U calls from first-time clients);
    /// 0 (every service counts fully) ..= MAX_AMOUNT.
    pub established_mass: u128,
    /// Failure mass a service may gain per epoch (plancks) from clients at the
    /// maturity floor (fresh accounts): griefing with fresh accounts and unused
    /// channels is bounded per day (security review M2). Default 100·U (the market
    /// simulation: its honest clients are at the floor too, and caps of 5–40·U cut
    /// griefing but cost honest regret, 0.18 → 0.22–0.37; from 80·U the honest market
    /// is unchanged); 1 ..= MAX_AMOUNT.
    pub epoch_failure_cap: u128,
    /// C: paid amount (before maturity) one client's ratings of one payee count at
    /// most, over time: the counter decays with the slow half-life like the sums it
    /// feeds, so at any time one rater holds at most `C · μ` of a payee's rating mass
    /// and k sock accounts at most `k · C` (security review H1: the day-after-day 5★
    /// of a few socks no longer add up). Default 5·U; 1 ..= MAX_AMOUNT.
    pub rater_cap: u128,
    /// How long (ms) a channel's funds must have been locked for its failure to count
    /// fully: a failure of a channel that locked its funds for `locked_for` ms counts
    /// `min(locked, failure_cap) · min(1, locked_for / failure_lock_ref)`, so a
    /// griefer's 1 ms channel, refunded in the next block, records nothing, and
    /// failure mass F costs at least F of capital locked for `failure_lock_ref`
    /// (security review M2). Default [`DEFAULT_FAILURE_LOCK_REF_MS`] (6 h: honest
    /// failures must keep counting fully, and the simulated honest channels run 6 h;
    /// the agent's run 7 days); 1 ..= [`MAX_FAILURE_LOCK_REF_MS`].
    pub failure_lock_ref: u64,
}

/// Largest `rating_price_calls`.
pub const MAX_RATING_PRICE_CALLS: u32 = 1_000;

/// Which parameter is out of its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ink", derive(scale::Encode, scale::Decode))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(scale_info::TypeInfo))]
pub enum ParamError {
    /// `unit` is 0 or above `MAX_AMOUNT`.
    Unit,
    /// `prior_mean` is above `MAX_PRIOR_MEAN`.
    PriorMean,
    /// `prior_rating_mass` is 0 or above `MAX_AMOUNT`.
    PriorRatingMass,
    /// `prior_success` is 0 or above `MAX_AMOUNT`.
    PriorSuccess,
    /// `prior_failure` is 0 or above `MAX_AMOUNT`.
    PriorFailure,
    /// `settle_cap` is 0 or above `MAX_AMOUNT`.
    SettleCap,
    /// `failure_cap` is 0 or above `MAX_AMOUNT`.
    FailureCap,
    /// `rating_cap` is 0 or above `MAX_AMOUNT`.
    RatingCap,
    /// `epoch_rating_cap` is 0 or above `MAX_AMOUNT`.
    EpochRatingCap,
    /// `spend_ref` is 0 or above `MAX_AMOUNT`.
    SpendRef,
    /// `min_maturity` is above `MAX_MIN_MATURITY`.
    MinMaturity,
    /// `z` is above `MAX_Z`.
    Z,
    /// `half_life_slow` is below `half_life_fast` or above `MAX_HALF_LIFE`.
    HalfLifeSlow,
    /// `half_life_fast` is 0.
    HalfLifeFast,
    /// `rating_window_ms` is outside `MIN_RATING_WINDOW_MS ..= MAX_RATING_WINDOW_MS`.
    RatingWindow,
    /// `rating_price_calls` is 0 or above `MAX_RATING_PRICE_CALLS`.
    RatingPriceCalls,
    /// `established_mass` is above `MAX_AMOUNT`.
    EstablishedMass,
    /// `epoch_failure_cap` is 0 or above `MAX_AMOUNT`.
    EpochFailureCap,
    /// `rater_cap` is 0 or above `MAX_AMOUNT`.
    RaterCap,
    /// `failure_lock_ref` is 0 or above `MAX_FAILURE_LOCK_REF_MS`.
    FailureLockRef,
}

impl Params {
    /// The default parameters for a reference call price of `unit` plancks (masses
    /// are the documented multiples of it, saturating; 0 is treated as 1).
    pub fn for_unit(unit: u128) -> Self {
        let u = unit.max(1);
        Self {
            unit: u,
            prior_mean: 500_000,
            prior_rating_mass: u.saturating_mul(10),
            prior_success: u.saturating_mul(2),
            prior_failure: u,
            settle_cap: u.saturating_mul(50),
            failure_cap: u,
            rating_cap: u.saturating_mul(50),
            epoch_rating_cap: u.saturating_mul(100),
            spend_ref: u.saturating_mul(50),
            min_maturity: 300_000,
            z: 500_000,
            half_life_slow: 30,
            half_life_fast: 3,
            rating_window_ms: 7 * 86_400_000,
            rating_price_calls: 10,
            established_mass: u.saturating_mul(20),
            epoch_failure_cap: u.saturating_mul(100),
            rater_cap: u.saturating_mul(5),
            failure_lock_ref: DEFAULT_FAILURE_LOCK_REF_MS,
        }
    }

    /// Checks every bound documented on the fields; the first violation is returned.
    pub fn validate(&self) -> Result<(), ParamError> {
        let amount = |v: u128, e: ParamError| {
            if (1..=MAX_AMOUNT).contains(&v) {
                Ok(())
            } else {
                Err(e)
            }
        };
        amount(self.unit, ParamError::Unit)?;
        if self.prior_mean > MAX_PRIOR_MEAN {
            return Err(ParamError::PriorMean);
        }
        amount(self.prior_rating_mass, ParamError::PriorRatingMass)?;
        amount(self.prior_success, ParamError::PriorSuccess)?;
        amount(self.prior_failure, ParamError::PriorFailure)?;
        amount(self.settle_cap, ParamError::SettleCap)?;
        amount(self.failure_cap, ParamError::FailureCap)?;
        amount(self.rating_cap, ParamError::RatingCap)?;
        amount(self.epoch_rating_cap, ParamError::EpochRatingCap)?;
        amount(self.spend_ref, ParamError::SpendRef)?;
        if self.min_maturity > MAX_MIN_MATURITY {
            return Err(ParamError::MinMaturity);
        }
        if self.z > MAX_Z {
            return Err(ParamError::Z);
        }
        if self.half_life_fast == 0 {
            return Err(ParamError::HalfLifeFast);
        }
        if self.half_life_slow < self.half_life_fast || self.half_life_slow > MAX_HALF_LIFE {
            return Err(ParamError::HalfLifeSlow);
        }
        if !(MIN_RATING_WINDOW_MS..=MAX_RATING_WINDOW_MS).contains(&self.rating_window_ms) {
            return Err(ParamError::RatingWindow);
        }
        if !(1..=MAX_RATING_PRICE_CALLS).contains(&self.rating_price_calls) {
            return Err(ParamError::RatingPriceCalls);
        }
        if self.established_mass > MAX_AMOUNT {
            return Err(ParamError::EstablishedMass);
        }
        amount(self.epoch_failure_cap, ParamError::EpochFailureCap)?;
        amount(self.rater_cap, ParamError::RaterCap)?;
        if !(1..=MAX_FAILURE_LOCK_REF_MS).contains(&self.failure_lock_ref) {
            return Err(ParamError::FailureLockRef);
        }
        Ok(())
    }
}

impl Default for Params {
    /// [`Params::for_unit`]`(DEFAULT_UNIT)`.
    fn default() -> Self {
        Self::for_unit(DEFAULT_UNIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_scaled() {
        let p = Params::default();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.unit, DEFAULT_UNIT);
        assert_eq!(p.prior_rating_mass, 10 * DEFAULT_UNIT);
        assert_eq!(p.rating_cap, 50 * DEFAULT_UNIT);
        assert_eq!(p.spend_ref, 50 * DEFAULT_UNIT);
        assert_eq!(p.failure_cap, DEFAULT_UNIT);
        assert_eq!(p.failure_lock_ref, 21_600_000);
        assert_eq!((p.min_maturity, p.z), (300_000, 500_000));
        let q = Params::for_unit(7);
        assert_eq!(q.validate(), Ok(()));
        assert_eq!(
            (q.prior_success, q.prior_failure, q.spend_ref),
            (14, 7, 350)
        );
        assert_eq!(Params::for_unit(0).unit, 1);
        // A huge unit saturates and is then refused by the bounds.
        assert_eq!(
            Params::for_unit(u128::MAX).validate(),
            Err(ParamError::Unit)
        );
    }

    #[test]
    fn every_bound_is_enforced() {
        type Case = (fn(&mut Params), ParamError);
        let cases: [Case; 35] = [
            (|p| p.unit = 0, ParamError::Unit),
            (|p| p.unit = MAX_AMOUNT + 1, ParamError::Unit),
            (|p| p.prior_mean = MAX_PRIOR_MEAN + 1, ParamError::PriorMean),
            (|p| p.prior_rating_mass = 0, ParamError::PriorRatingMass),
            (
                |p| p.prior_rating_mass = MAX_AMOUNT + 1,
                ParamError::PriorRatingMass,
            ),
            (|p| p.prior_success = 0, ParamError::PriorSuccess),
            (
                |p| p.prior_success = MAX_AMOUNT + 1,
                ParamError::PriorSuccess,
            ),
            (|p| p.prior_failure = 0, ParamError::PriorFailure),
            (
                |p| p.prior_failure = MAX_AMOUNT + 1,
                ParamError::PriorFailure,
            ),
            (|p| p.settle_cap = 0, ParamError::SettleCap),
            (|p| p.settle_cap = MAX_AMOUNT + 1, ParamError::SettleCap),
            (|p| p.failure_cap = 0, ParamError::FailureCap),
            (|p| p.failure_cap = MAX_AMOUNT + 1, ParamError::FailureCap),
            (|p| p.rating_cap = 0, ParamError::RatingCap),
            (|p| p.rating_cap = MAX_AMOUNT + 1, ParamError::RatingCap),
            (|p| p.epoch_rating_cap = 0, ParamError::EpochRatingCap),
            (
                |p| p.epoch_rating_cap = MAX_AMOUNT + 1,
                ParamError::EpochRatingCap,
            ),
            (|p| p.spend_ref = 0, ParamError::SpendRef),
            (|p| p.spend_ref = MAX_AMOUNT + 1, ParamError::SpendRef),
            (
                |p| p.min_maturity = MAX_MIN_MATURITY + 1,
                ParamError::MinMaturity,
            ),
            (|p| p.z = MAX_Z + 1, ParamError::Z),
            (|p| p.half_life_fast = 0, ParamError::HalfLifeFast),
            (|p| p.half_life_slow = 2, ParamError::HalfLifeSlow),
            (
                |p| p.half_life_slow = MAX_HALF_LIFE + 1,
                ParamError::HalfLifeSlow,
            ),
            (
                |p| p.rating_window_ms = MIN_RATING_WINDOW_MS - 1,
                ParamError::RatingWindow,
            ),
            (
                |p| p.rating_window_ms = MAX_RATING_WINDOW_MS + 1,
                ParamError::RatingWindow,
            ),
            (|p| p.rating_price_calls = 0, ParamError::RatingPriceCalls),
            (
                |p| p.rating_price_calls = MAX_RATING_PRICE_CALLS + 1,
                ParamError::RatingPriceCalls,
            ),
            (
                |p| p.established_mass = MAX_AMOUNT + 1,
                ParamError::EstablishedMass,
            ),
            (|p| p.epoch_failure_cap = 0, ParamError::EpochFailureCap),
            (|p| p.rater_cap = 0, ParamError::RaterCap),
            (|p| p.rater_cap = MAX_AMOUNT + 1, ParamError::RaterCap),
            (
                |p| p.epoch_failure_cap = MAX_AMOUNT + 1,
                ParamError::EpochFailureCap,
            ),
            (|p| p.failure_lock_ref = 0, ParamError::FailureLockRef),
            (
                |p| p.failure_lock_ref = MAX_FAILURE_LOCK_REF_MS + 1,
                ParamError::FailureLockRef,
            ),
        ];
        for (break_it, err) in cases {
            let mut p = Params::default();
            break_it(&mut p);
            assert_eq!(p.validate(), Err(err));
        }
    }

    #[test]
    fn bounds_are_inclusive() {
        let mut p = Params {
            unit: MAX_AMOUNT,
            prior_mean: MAX_PRIOR_MEAN,
            min_maturity: MAX_MIN_MATURITY,
            z: MAX_Z,
            half_life_slow: MAX_HALF_LIFE,
            half_life_fast: MAX_HALF_LIFE,
            rating_window_ms: MAX_RATING_WINDOW_MS,
            failure_lock_ref: MAX_FAILURE_LOCK_REF_MS,
            ..Params::default()
        };
        assert_eq!(p.validate(), Ok(()));
        p.half_life_slow = 1;
        p.half_life_fast = 1;
        p.prior_mean = 0;
        p.min_maturity = 0;
        p.z = 0;
        p.rating_window_ms = MIN_RATING_WINDOW_MS;
        p.failure_lock_ref = 1;
        assert_eq!(p.validate(), Ok(()));
    }
}

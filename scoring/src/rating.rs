//! Rating inputs: star values, rater maturity and the (linear) rating weight.

use crate::decay::decay_over;
use crate::fixed::{mul_ppm, ratio_ppm, Ppm, PPM};
use crate::params::Params;

/// Lowest star rating.
pub const MIN_STARS: u8 = 1;
/// Highest star rating.
pub const MAX_STARS: u8 = 5;

/// Value of a star rating: `(stars − 1) · 250_000` ppm (1 → 0, 3 → 0.5, 5 → 1.0);
/// `None` outside `MIN_STARS ..= MAX_STARS`.
pub fn stars_to_ppm(stars: u8) -> Option<Ppm> {
    if (MIN_STARS..=MAX_STARS).contains(&stars) {
        Some(u32::from(stars.saturating_sub(MIN_STARS)).saturating_mul(250_000))
    } else {
        None
    }
}

/// Rater maturity before the floor: `min(PPM, PPM · other_spend / spend_ref)`, where
/// `other_spend` is what the rater paid to *other* payees. `spend_ref = 0` gives PPM.
pub fn maturity(other_spend: u128, spend_ref: u128) -> Ppm {
    if spend_ref == 0 {
        return PPM;
    }
    ratio_ppm(other_spend, spend_ref)
}

/// Weight of one rating and the maturity used: `μ = max(min_maturity,
/// maturity(other_spend, spend_ref))`, `w = floor(min(claimed, rating_cap) · μ / PPM)`.
///
/// Linear in the paid amount, so splitting a payment across k accounts or channels
/// never yields more than `μ · total paid`: exactly the unsplit weight when the payment
/// is within `rating_cap`, and each split account needs its own spend elsewhere to be
/// mature (a concave weight such as √paid or log paid would reward the split).
pub fn rating_weight(params: &Params, claimed: u128, other_spend: u128) -> (u128, Ppm) {
    let mu = maturity(other_spend, params.spend_ref).max(params.min_maturity.min(PPM));
    (mul_ppm(claimed.min(params.rating_cap), mu), mu)
}

/// The paid amount a rating of a channel counts: `min(claimed, rating_price_calls ·
/// price)`, `price` being the service's registered price per call (a deleted service,
/// `None`, counts nothing). One rating then weighs at most `rating_price_calls` calls,
/// however large the single voucher (security review H1); `rating_weight` further caps
/// it at `rating_cap`.
pub fn rated_amount(params: &Params, claimed: u128, price: Option<u128>) -> u128 {
    let calls = u128::from(params.rating_price_calls);
    claimed.min(price.unwrap_or(0).saturating_mul(calls))
}

/// How established a service is (ppm): `min(1, rating_mass / established_mass)` of its
/// slow set (this epoch's capped ratings included); `established_mass = 0` gives PPM.
/// Spend with a service counts toward its client's maturity in this proportion.
pub fn establishment(params: &Params, rating_mass: u128) -> Ppm {
    if params.established_mass == 0 {
        return PPM;
    }
    ratio_ppm(rating_mass, params.established_mass)
}

/// A rater's spend (plancks) as of `epoch`, decaying like the slow sums (half-life
/// `Params::half_life_slow`): maturity must be kept up by spending, it is not bought
/// once for ever (security review H1, I7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ink", derive(scale::Encode, scale::Decode))]
#[cfg_attr(
    all(feature = "ink", feature = "std"),
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Spend {
    /// Amount as of `epoch`.
    pub amount: u128,
    /// Epoch `amount` is decayed to.
    pub epoch: u64,
}

impl Spend {
    /// The amount decayed to `epoch` (an earlier epoch changes nothing).
    pub fn at(&self, params: &Params, epoch: u64) -> u128 {
        if epoch <= self.epoch {
            return self.amount;
        }
        let elapsed = epoch.saturating_sub(self.epoch);
        mul_ppm(self.amount, decay_over(params.half_life_slow, elapsed))
    }

    /// `amount` more at `epoch` (after decaying to it); `None` on overflow.
    pub fn plus(&self, params: &Params, epoch: u64, amount: u128) -> Option<Spend> {
        Some(Spend {
            amount: self.at(params, epoch).checked_add(amount)?,
            epoch: epoch.max(self.epoch),
        })
    }
}

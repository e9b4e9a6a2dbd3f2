//! Rating inputs: star values, rater maturity and the (linear) rating weight.

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

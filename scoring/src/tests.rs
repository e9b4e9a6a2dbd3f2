//! Tests of the whole score: exact hand-checked values, properties (proptest) and the
//! market scenarios of issue #6.

mod exact;
mod properties;
mod scenarios;

use crate::*;

/// Small unit (U = 100 plancks) so that the exact cases are easy to follow.
pub(super) fn small() -> Params {
    Params::for_unit(100)
}

/// Adds a rating of `stars` from a rater who paid `claimed` and spent `other_spend`
/// elsewhere; returns the weight that counts now (its epoch share of it).
pub(super) fn rate(
    st: &mut ServiceStats,
    p: &Params,
    epoch: u64,
    stars: u8,
    claimed: u128,
    other_spend: u128,
) -> u128 {
    let (w, _) = rating_weight(p, claimed, other_spend);
    let share = st.add_rating(p, epoch, w, stars_to_ppm(stars).unwrap());
    mul_ppm(w, share)
}

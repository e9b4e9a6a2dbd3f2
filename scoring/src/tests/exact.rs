//! Exact integer results, checked by hand (and against an independent big-integer
//! evaluation of the same formulas).

use super::*;

#[test]
fn empty_stats_score_is_the_prior() {
    let p = small();
    let s = ServiceStats::default().score(&p, 0);
    // R = K0·m0 / K0 = m0; Φ = A0/(A0+B0) = 200/300; Q = 0.5 · 0.666666
    assert_eq!(s.rating_mean, 500_000);
    assert_eq!(s.rating_mean_fast, 500_000);
    assert_eq!(s.fulfillment, 666_666);
    assert_eq!(s.fulfillment_fast, 666_666);
    assert_eq!(s.quality, 333_333);
    assert_eq!(s.quality_fast, 333_333);
    assert_eq!(s.effective, 333_333);
    // n = 0, n0 = K0/U = 10: var = 333_333·666_667/11 = 20_202_010_101,
    // isqrt = 142_133, LCB = 333_333 − Z·142_133 = 333_333 − 71_066 (Z = 0.5)
    assert_eq!(s.n, 0);
    assert_eq!(s.lcb, 262_267);
    assert_eq!((s.rating_mass, s.success_mass, s.failure_mass), (0, 0, 0));
    // Same prior at any epoch.
    assert_eq!(ServiceStats::default().score(&p, 1_000).lcb, 262_267);
}

#[test]
fn one_of_each_event_exact() {
    let p = small();
    let mut st = ServiceStats::default();
    assert_eq!(rate(&mut st, &p, 0, 5, 1_000, 5_000), 1_000); // μ = 1, w = 1000
    assert_eq!(st.add_settlement(&p, 0, 1_000, 1), 1_000);
    assert_eq!(st.add_failure(&p, 0, 500), 100); // failure_cap = 1·U
    let acc = Accumulators {
        rating_sum: 1_000,
        rating_mass: 1_000,
        success: 1_000,
        failure: 100,
    };
    // The rating waits in this epoch's bucket; the score reads it with the sums.
    assert_eq!(st.with_epoch_ratings(&p), (acc, acc));
    assert_eq!(st.slow.rating_mass, 0);
    assert_eq!(st.epoch_rating_mass(), 1_000);
    let s = st.score(&p, 0);
    // R = (1000 + 1000·0.5)/(1000 + 1000) = 0.75
    assert_eq!(s.rating_mean, 750_000);
    // R′ = (1000 + 1000·0.75)/2000 = 0.875
    assert_eq!(s.rating_mean_fast, 875_000);
    // Φ = (1000 + 200)/(1100 + 300) = 6/7; Φ′ = (1000 + 300·Φ)/(1100 + 300) = 0.897959…
    assert_eq!(s.fulfillment, 857_142);
    assert_eq!(s.fulfillment_fast, 897_959);
    // Q = 750_000 · 857_142 / 10⁶ ; Q′ = 875_000 · 897_959 / 10⁶
    assert_eq!(s.quality, 642_856);
    assert_eq!(s.quality_fast, 785_714);
    assert_eq!(s.effective, 642_856);
    // n = 2100/100 = 21, n0 = 10: var = 642_856·357_144/32 = 7_174_755_102,
    // isqrt = 84_703, LCB = 642_856 − 0.5·84_703 = 642_856 − 42_351
    assert_eq!(s.n, 21);
    assert_eq!(s.lcb, 600_505);
}

#[test]
fn thirty_epochs_later_the_slow_set_halves_and_the_fast_set_is_gone() {
    let p = small();
    let mut st = ServiceStats::default();
    rate(&mut st, &p, 0, 5, 1_000, 5_000);
    st.add_settlement(&p, 0, 1_000, 1);
    st.add_failure(&p, 0, 100);
    let later = st.decayed_to(&p, 30);
    // slow factor pow(977_159, 30) = 499_987; fast pow(793_700, 30) = 977 ppm
    assert_eq!(decay_over(30, 30), 499_987);
    assert_eq!(decay_over(3, 30), 977);
    assert_eq!(
        later.slow,
        Accumulators {
            rating_sum: 499,
            rating_mass: 499,
            success: 499,
            failure: 49,
        }
    );
    assert_eq!(later.fast, Accumulators::default());
    assert_eq!(later.last_epoch, 30);
    assert_eq!(later.epoch_rating_mass(), 0);
    let s = st.score(&p, 30);
    assert_eq!(s.epoch, 30);
    // R = (499 + 1000·0.5)/(499 + 1000); Φ = (499 + 200)/(548 + 300)
    assert_eq!(s.rating_mean, 666_444);
    assert_eq!(s.rating_mean_fast, 666_444);
    assert_eq!(s.fulfillment, 824_292);
    assert_eq!(s.quality, 549_344);
    // n = 1047/100 = 10, n0 = 10: var = 549_344·450_656/21, isqrt = 108_576
    assert_eq!(s.n, 10);
    assert_eq!(s.lcb, 495_056);
    // Scoring does not write.
    assert_eq!(st.last_epoch, 0);
}

#[test]
fn settlement_and_failure_caps() {
    let p = small(); // settle_cap 5000 per channel, failure_cap 100
    let mut st = ServiceStats::default();
    assert_eq!(st.add_settlement(&p, 0, 1_000_000, 3), 15_000);
    assert_eq!(st.add_settlement(&p, 0, 1_000_000, 0), 5_000); // 0 channels counts 1
    assert_eq!(st.add_settlement(&p, 0, 0, 1), 0);
    assert_eq!(st.add_failure(&p, 0, 1_000_000), 100);
    assert_eq!(st.add_failure(&p, 0, 10), 10);
    assert_eq!(st.slow.success, 20_000);
    assert_eq!(st.slow.failure, 110);
}

#[test]
fn epoch_rating_cap_scales_each_direction_pro_rata_then_resets_next_epoch() {
    let p = small(); // epoch_rating_cap = 10_000, prior mean 0.5
    let mut st = ServiceStats::default();
    // At or above the mean (0.5): 6_000 counts fully, 12_000 is scaled to 10_000.
    assert_eq!(st.add_rating(&p, 4, 6_000, PPM), PPM);
    assert_eq!(st.add_rating(&p, 4, 6_000, PPM), 833_333);
    assert_eq!(st.epoch_up.mass, 12_000);
    // Below the mean: its own room; the full "up" bucket does not crowd it out.
    assert_eq!(st.add_rating(&p, 4, 4_000, 0), PPM);
    let (slow, _) = st.with_epoch_ratings(&p);
    assert_eq!(slow.rating_mass, 9_999 + 4_000);
    assert_eq!(slow.rating_sum, 9_999);
    // Next epoch: folded into the sums (decayed one epoch), buckets empty again.
    let next = st.decayed_to(&p, 5);
    assert_eq!(next.epoch_rating_mass(), 0);
    assert!(next.slow.rating_mass > 13_000 && next.slow.rating_mass < 13_999);
    // A stale epoch (before last_epoch) is treated as the current one.
    let mut st = next;
    assert_eq!(st.add_rating(&p, 3, 6_000, 0), PPM);
    assert_eq!(st.last_epoch, 5);
}

#[test]
fn rating_values_and_weights() {
    assert_eq!(stars_to_ppm(0), None);
    assert_eq!(stars_to_ppm(1), Some(0));
    assert_eq!(stars_to_ppm(2), Some(250_000));
    assert_eq!(stars_to_ppm(3), Some(500_000));
    assert_eq!(stars_to_ppm(4), Some(750_000));
    assert_eq!(stars_to_ppm(5), Some(PPM));
    assert_eq!(stars_to_ppm(6), None);

    assert_eq!(maturity(0, 2_000), 0);
    assert_eq!(maturity(500, 2_000), 250_000);
    assert_eq!(maturity(2_000, 2_000), PPM);
    assert_eq!(maturity(u128::MAX, 2_000), PPM);
    assert_eq!(maturity(5, 0), PPM);

    let p = small(); // rating_cap 5000, spend_ref 5000, floor 30%
    assert_eq!(rating_weight(&p, 1_000, 0), (300, 300_000)); // floor
    assert_eq!(rating_weight(&p, 1_000, 1_000), (300, 300_000)); // 20% < floor
    assert_eq!(rating_weight(&p, 1_000, 2_500), (500, 500_000));
    assert_eq!(rating_weight(&p, 1_000, 9_999), (1_000, PPM));
    assert_eq!(rating_weight(&p, 9_999, 9_999), (5_000, PPM)); // capped
    assert_eq!(rating_weight(&p, 0, 9_999), (0, PPM));
    let mut no_floor = p;
    no_floor.min_maturity = 0;
    assert_eq!(rating_weight(&no_floor, 1_000, 0), (0, 0));
}

#[test]
fn lower_bound_and_value_exact() {
    assert_eq!(lower_bound(0, 0, PPM), 0);
    assert_eq!(lower_bound(PPM, 0, PPM), PPM);
    // q = 0.5, n+1 = 25: sd = √(0.25/25) = 0.1
    assert_eq!(lower_bound(500_000, 24, PPM), 400_000);
    assert_eq!(lower_bound(500_000, 24, 2 * PPM), 300_000);
    assert_eq!(lower_bound(500_000, 24, 0), 500_000);
    assert_eq!(lower_bound(500_000, 0, 4_000_000), 0); // saturates at 0
    assert_eq!(lower_bound(800_000, u128::MAX, PPM), 800_000);

    // LCB² · p_ref / (PPM · price)
    assert_eq!(value(800_000, 100, 100), 640_000);
    assert_eq!(value(800_000, 200, 100), 320_000);
    assert_eq!(value(PPM, 1, 1), PPM as u128);
    assert_eq!(value(500_000, 0, 1), 250_000); // price 0 counts as 1
    assert_eq!(value(0, 1, u128::MAX), 0);
    assert_eq!(value(PPM, 1, u128::MAX), u128::MAX / PPM as u128);
}

#[test]
fn shrink_exact() {
    assert_eq!(shrink(0, 0, 10, 400_000), 400_000);
    assert_eq!(shrink(5, 10, 10, 0), 250_000);
    assert_eq!(shrink(10, 10, 0, 0), PPM);
    assert_eq!(shrink(0, 0, 0, 123), 0); // nothing at all
                                         // Huge masses use the scaled path and stay within a ppm.
    let big = u128::MAX / 4;
    assert_eq!(shrink(big, big, 1, 0), 999_999);
    // exactly 0.75; the scaled path may floor 1 ppm lower
    assert!((749_999..=750_000).contains(&shrink(big / 2, big, big, PPM)));
}

/// Security review M2: a failure counts in proportion to how long the channel locked
/// its funds, up to `failure_lock_ref` (here a day; 6 h by default).
#[test]
fn failure_mass_weighs_the_lock_duration() {
    let p = Params {
        failure_lock_ref: 86_400_000,
        ..Params::default()
    }; // failure_cap = U
    let (u, day) = (p.failure_cap, p.failure_lock_ref);
    // A 1 ms channel: nothing (anything below 86.4 ms, one ppm of the reference).
    assert_eq!(failure_mass(&p, u, 1), 0);
    assert_eq!(failure_mass(&p, u, 0), 0);
    assert_eq!(failure_mass(&p, u, 86), 0);
    assert_eq!(failure_mass(&p, u, 87), u / 1_000_000);
    // Refunded a 6 s block after opening: 69 ppm of U.
    assert_eq!(failure_mass(&p, u, 6_000), mul_ppm(u, 69));
    // Half a day: half; an hour: 1/24 (ppm floor).
    assert_eq!(failure_mass(&p, u, day / 2), u / 2);
    assert_eq!(failure_mass(&p, u, 3_600_000), mul_ppm(u, 41_666));
    // A day or more: the whole capped amount.
    assert_eq!(failure_mass(&p, u, day), u);
    assert_eq!(failure_mass(&p, u, 7 * day), u);
    assert_eq!(failure_mass(&p, 100 * u, day), u); // the cap first
    assert_eq!(failure_mass(&p, 100 * u, day / 2), u / 2); // more capital, not more time
    assert_eq!(failure_mass(&p, u / 4, day / 2), u / 8);
    // Overflow-safe at the extremes.
    assert_eq!(failure_mass(&p, u128::MAX, u64::MAX), u);
    assert_eq!(failure_mass(&p, u128::MAX, day - 1), mul_ppm(u, 999_999));
    let wide = Params {
        failure_cap: u128::MAX,
        failure_lock_ref: u64::MAX,
        ..p
    };
    assert_eq!(failure_mass(&wide, u128::MAX, u64::MAX), u128::MAX);
    assert_eq!(
        failure_mass(&wide, u128::MAX, u64::MAX / 2),
        mul_ppm(u128::MAX, 499_999)
    );
    // A 0 reference (refused by validate) counts every lock fully, never divides by 0.
    let zero = Params {
        failure_lock_ref: 0,
        ..p
    };
    assert_eq!(failure_mass(&zero, u, 0), u);
}

/// The shared failure rule applies the lock share before the fresh clients' per-epoch
/// cap, and records exactly the mass it returns.
#[test]
fn failure_rule_weighs_the_lock_then_caps_fresh_clients() {
    let p = Params {
        epoch_failure_cap: 3 * DEFAULT_UNIT,
        ..Params::default() // failure_lock_ref 6 h
    };
    let (u, full) = (p.failure_cap, p.failure_lock_ref);
    let mut st = ServiceStats::default();
    let fresh = Spend::default();
    assert_eq!(rules::failure(&p, &mut st, fresh, u, 1, 0), 0);
    assert_eq!(st.slow.failure, 0);
    assert_eq!(st.epoch_fresh_failure, 0);
    assert_eq!(rules::failure(&p, &mut st, fresh, u, full / 2, 0), u / 2);
    assert_eq!(rules::failure(&p, &mut st, fresh, 5 * u, full, 0), u);
    assert_eq!(rules::failure(&p, &mut st, fresh, u, full, 0), u);
    // 2.5 U of the day's 3 U: the next full failure counts the 0.5 U left.
    assert_eq!(rules::failure(&p, &mut st, fresh, u, full, 0), u / 2);
    assert_eq!((st.slow.failure, st.fast.failure), (3 * u, 3 * u));
}

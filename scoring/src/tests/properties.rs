//! Property tests: bounds, monotonicity, exactness and no overflow or panic at
//! extreme inputs.

use super::*;
use proptest::prelude::*;

/// Any parameters at all, including invalid ones: the arithmetic must stay total.
fn any_params() -> impl Strategy<Value = Params> {
    (
        (
            any::<u128>(),
            any::<u32>(),
            any::<u128>(),
            any::<u128>(),
            any::<u128>(),
        ),
        (
            any::<u128>(),
            any::<u128>(),
            any::<u128>(),
            any::<u128>(),
            any::<u128>(),
        ),
        (
            any::<u32>(),
            any::<u32>(),
            0u32..400,
            0u32..400,
            any::<u64>(),
        ),
        (any::<u32>(), any::<u128>(), any::<u128>(), any::<u128>()),
    )
        .prop_map(
            |(
                (u, m0, k0, a0, b0),
                (sc, fc, rc, ec, sr),
                (mm, z, hs, hf, w),
                (k, em, efc, rcap),
            )| Params {
                unit: u,
                prior_mean: m0,
                prior_rating_mass: k0,
                prior_success: a0,
                prior_failure: b0,
                settle_cap: sc,
                failure_cap: fc,
                rating_cap: rc,
                epoch_rating_cap: ec,
                spend_ref: sr,
                min_maturity: mm,
                z,
                half_life_slow: hs,
                half_life_fast: hf,
                rating_window_ms: w,
                rating_price_calls: k,
                established_mass: em,
                epoch_failure_cap: efc,
                rater_cap: rcap,
                failure_lock_ref: DEFAULT_FAILURE_LOCK_REF_MS,
            },
        )
}

/// Valid parameters with amounts up to `MAX_AMOUNT`.
fn valid_params() -> impl Strategy<Value = Params> {
    let amount = 1..=MAX_AMOUNT;
    (
        (
            amount.clone(),
            0u32..=800_000,
            amount.clone(),
            amount.clone(),
            amount.clone(),
        ),
        (
            amount.clone(),
            amount.clone(),
            amount.clone(),
            amount.clone(),
            amount,
        ),
        (0u32..=500_000, 0u32..=4_000_000, 1u32..=365, 1u32..=365),
        (1u32..=1_000, 0..=MAX_AMOUNT, 1..=MAX_AMOUNT, 1..=MAX_AMOUNT),
    )
        .prop_map(
            |((u, m0, k0, a0, b0), (sc, fc, rc, ec, sr), (mm, z, h1, h2), (k, em, efc, rcap))| {
                Params {
                    unit: u,
                    prior_mean: m0,
                    prior_rating_mass: k0,
                    prior_success: a0,
                    prior_failure: b0,
                    settle_cap: sc,
                    failure_cap: fc,
                    rating_cap: rc,
                    epoch_rating_cap: ec,
                    spend_ref: sr,
                    min_maturity: mm,
                    z,
                    half_life_slow: h1.max(h2),
                    half_life_fast: h1.min(h2),
                    rating_window_ms: 86_400_000,
                    rating_price_calls: k,
                    established_mass: em,
                    epoch_failure_cap: efc,
                    rater_cap: rcap,
                    failure_lock_ref: DEFAULT_FAILURE_LOCK_REF_MS,
                }
            },
        )
}

#[derive(Debug, Clone)]
enum Ev {
    Settle(u128, u32),
    Fail(u128),
    Rate(u128, Ppm),
}

fn any_event() -> impl Strategy<Value = (u64, Ev)> {
    let amount = prop_oneof![any::<u128>(), 0u128..1_000_000_000_000_000];
    (
        0u64..3,
        prop_oneof![
            (amount.clone(), any::<u32>()).prop_map(|(a, c)| Ev::Settle(a, c)),
            amount.clone().prop_map(Ev::Fail),
            (amount, any::<u32>()).prop_map(|(a, x)| Ev::Rate(a, x)),
        ],
    )
}

fn apply(st: &mut ServiceStats, p: &Params, epoch: u64, ev: &Ev) {
    match *ev {
        Ev::Settle(paid, ch) => {
            st.add_settlement(p, epoch, paid, ch);
        }
        Ev::Fail(locked) => {
            st.add_failure(p, epoch, locked);
        }
        Ev::Rate(w, x) => {
            st.add_rating(p, epoch, w, x);
        }
    }
}

fn assert_score_in_range(s: &Score) {
    for v in [
        s.rating_mean,
        s.rating_mean_fast,
        s.fulfillment,
        s.fulfillment_fast,
        s.quality,
        s.quality_fast,
        s.effective,
    ] {
        assert!(v <= PPM);
    }
    assert!(s.lcb <= s.effective);
    assert!(s.effective <= s.quality && s.effective <= s.quality_fast);
}

proptest! {
    #[test]
    fn pow_ppm_is_bounded_and_monotone(b in any::<u32>(), e in any::<u32>(), d in 0u32..1000) {
        let r = pow_ppm(b, e);
        prop_assert!(r <= PPM);
        prop_assert!(pow_ppm(b, e.saturating_add(d)) <= r);
        prop_assert!(pow_ppm(b.saturating_add(d), e) >= r);
    }

    #[test]
    fn mul_ppm_is_exact_when_the_product_fits(v in 0u128..(1u128 << 100), f in 0u32..=PPM) {
        prop_assert_eq!(mul_ppm(v, f), v * u128::from(f) / u128::from(PPM));
    }

    #[test]
    fn mul_ppm_never_grows_below_one(v in any::<u128>(), f in 0u32..=PPM) {
        prop_assert!(mul_ppm(v, f) <= v);
    }

    #[test]
    fn ratio_ppm_is_bounded_and_monotone(n in any::<u128>(), d in any::<u128>(), k in any::<u64>()) {
        let r = ratio_ppm(n, d);
        prop_assert!(r <= PPM);
        prop_assert!(ratio_ppm(n.saturating_add(u128::from(k)), d) >= r);
        if d > 0 && n <= u128::MAX / u128::from(PPM) {
            prop_assert_eq!(u128::from(r), (n * u128::from(PPM) / d).min(u128::from(PPM)));
        }
    }

    #[test]
    fn shrink_lies_between_data_and_prior(obs in 0u128..1u128 << 90, extra in 0u128..1u128 << 90,
                                          pm in 1u128..1u128 << 90, prior in 0u32..=PPM) {
        let mass = obs + extra;
        let s = shrink(obs, mass, pm, prior);
        let data = ratio_ppm(obs, mass.max(1));
        let (lo, hi) = if data < prior { (data, prior) } else { (prior, data) };
        prop_assert!(s + 1 >= lo && s <= hi, "{} not in [{}, {}]", s, lo, hi);
    }

    #[test]
    fn decay_at_the_half_life_halves(h in 1u32..=365, v in 0u128..1u128 << 100) {
        let f = decay_over(h, u64::from(h));
        prop_assert!(f <= 500_000 && 500_000 - f <= h, "h={} f={}", h, f);
        let half = mul_ppm(v, f);
        prop_assert!(half <= v / 2);
        prop_assert!(half + v / 2_000 + 1 >= v / 2);
    }

    #[test]
    fn no_panic_and_scores_in_range_for_any_input(
        p in any_params(),
        events in proptest::collection::vec(any_event(), 0..40),
        start in any::<u64>(),
        later in any::<u64>(),
    ) {
        let mut st = ServiceStats::default();
        let mut epoch = start;
        for (step, ev) in &events {
            epoch = epoch.saturating_add(*step);
            apply(&mut st, &p, epoch, ev);
            prop_assert!(st.slow.rating_sum <= st.slow.rating_mass);
            prop_assert!(st.fast.rating_sum <= st.fast.rating_mass);
        }
        assert_score_in_range(&st.score(&p, epoch.saturating_add(later)));
        assert_score_in_range(&st.score(&p, u64::MAX));
        let _ = p.validate();
        let _ = rating_weight(&p, later.into(), start.into());
        let _ = value(st.score(&p, epoch).lcb, u128::from(later), p.unit);
    }

    #[test]
    fn accumulators_saturate_instead_of_overflowing(p in valid_params(), n in 1usize..20) {
        let mut st = ServiceStats::default();
        st.slow = Accumulators { rating_sum: u128::MAX, rating_mass: u128::MAX, success: u128::MAX, failure: u128::MAX };
        st.fast = st.slow;
        for _ in 0..n {
            st.add_settlement(&p, 0, u128::MAX, u32::MAX);
            st.add_failure(&p, 0, u128::MAX);
            st.add_rating(&p, 0, u128::MAX, PPM);
        }
        prop_assert_eq!(st.slow.success, u128::MAX);
        assert_score_in_range(&st.score(&p, 0));
    }

    #[test]
    fn good_rating_never_lowers_and_bad_never_raises(
        p in valid_params(),
        hist in proptest::collection::vec((0u128..1u128 << 80, 0u32..=PPM), 0..10),
        w in 0u128..1u128 << 80,
    ) {
        let mut p = p;
        p.epoch_rating_cap = MAX_AMOUNT;
        let mut st = ServiceStats::default();
        for (hw, hx) in &hist {
            st.add_rating(&p, 0, *hw, *hx);
        }
        let before = st.score(&p, 0);
        let mut good = st;
        good.add_rating(&p, 0, w, PPM);
        let g = good.score(&p, 0);
        prop_assert!(g.rating_mean >= before.rating_mean);
        prop_assert!(g.rating_mean_fast >= before.rating_mean_fast);
        prop_assert!(g.effective >= before.effective);
        let mut bad = st;
        bad.add_rating(&p, 0, w, 0);
        let b = bad.score(&p, 0);
        prop_assert!(b.rating_mean <= before.rating_mean);
        prop_assert!(b.rating_mean_fast <= before.rating_mean_fast);
        prop_assert!(b.effective <= before.effective);
    }

    #[test]
    fn success_never_lowers_and_failure_never_raises_fulfillment(
        p in valid_params(),
        s0 in 0u128..1u128 << 90, f0 in 0u128..1u128 << 90,
        m in 0u128..1u128 << 90, ch in 1u32..100,
    ) {
        let mut st = ServiceStats::default();
        st.add_settlement(&p, 0, s0, u32::MAX);
        st.add_failure(&p, 0, f0);
        let before = st.score(&p, 0);
        let mut ok = st;
        ok.add_settlement(&p, 0, m, ch);
        let o = ok.score(&p, 0);
        prop_assert!(o.fulfillment >= before.fulfillment);
        prop_assert!(o.effective >= before.effective);
        let mut ko = st;
        ko.add_failure(&p, 0, m);
        let k = ko.score(&p, 0);
        prop_assert!(k.fulfillment <= before.fulfillment);
        prop_assert!(k.effective <= before.effective);
    }

    #[test]
    fn more_evidence_tightens_the_bound(q in 0u32..=PPM, n in 0u128..1u128 << 100, d in 0u128..1_000_000, z in 0u32..=4_000_000) {
        let l = lower_bound(q, n, z);
        prop_assert!(l <= q);
        prop_assert!(lower_bound(q, n + d, z) >= l);
    }

    #[test]
    fn value_orders_by_bound_then_price(l in 0u32..=PPM, dl in 0u32..1000, price in 1u128..1u128 << 100,
                                        dp in 0u128..1u128 << 20, p_ref in 1u128..1u128 << 60) {
        let v = value(l, price, p_ref);
        prop_assert!(value(l.saturating_add(dl), price, p_ref) >= v);
        prop_assert!(value(l, price + dp, p_ref) <= v);
    }

    #[test]
    fn weight_is_linear_split_proof_and_monotone(
        p in valid_params(), parts in proptest::collection::vec(0u128..1u128 << 60, 1..20),
        other in 0u128..1u128 << 80, more in 0u128..1u128 << 60,
    ) {
        let total: u128 = parts.iter().sum();
        let (whole, mu) = rating_weight(&p, total, other);
        prop_assert!(whole <= total);
        let split: u128 = parts.iter().map(|c| rating_weight(&p, *c, other).0).sum();
        // Never more than linear in what was paid ...
        prop_assert!(split <= mul_ppm(total, mu));
        // ... and exactly no gain while the unsplit payment is within the cap.
        if total <= p.rating_cap {
            prop_assert!(split <= whole);
        }
        prop_assert!(rating_weight(&p, total + more, other).0 >= whole);
        prop_assert!(rating_weight(&p, total, other + more).0 >= whole);
    }

    #[test]
    fn scores_drift_back_to_the_prior(p in valid_params(), w in 0u128..1u128 << 80, x in 0u32..=PPM) {
        let mut st = ServiceStats::default();
        st.add_rating(&p, 0, w, x);
        st.add_settlement(&p, 0, w, 1);
        // After 64 slow half-lives every sum is below 2^-64 of what it was: gone.
        let far = 64 * u64::from(p.half_life_slow);
        prop_assert_eq!(st.score(&p, far), ServiceStats::default().score(&p, far));
    }
}

proptest! {
    /// Security review M2: a failure's mass never exceeds the capped lock, never
    /// exceeds the capital-time bound `locked · locked_for / failure_lock_ref`, grows
    /// with the lock duration, and never panics.
    #[test]
    fn failure_mass_is_bounded_by_capital_time_and_monotone(
        cap in 1u128..=MAX_AMOUNT,
        lock_ref in 1u64..=MAX_FAILURE_LOCK_REF_MS,
        locked in any::<u128>(),
        t in any::<u64>(),
        dt in any::<u64>(),
    ) {
        let p = Params { failure_cap: cap, failure_lock_ref: lock_ref, ..Params::default() };
        let m = failure_mass(&p, locked, t);
        prop_assert!(m <= locked.min(cap));
        if t < lock_ref {
            // m ≤ min(locked, cap) · t / ref, checked without overflow: cap ≤ 10²⁷ and
            // t < ref ≤ 3.2·10¹⁰, so the product fits in u128.
            prop_assert!(m.saturating_mul(u128::from(lock_ref))
                <= locked.min(cap) * u128::from(t));
        } else {
            prop_assert_eq!(m, locked.min(cap));
        }
        prop_assert!(failure_mass(&p, locked, t.saturating_add(dt)) >= m);
    }
}

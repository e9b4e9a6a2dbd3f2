//! The security review's cross-contract attacks (issue 18) on the three real bundles in
//! drink: each test runs the review's call sequence and checks the bound the contracts
//! now keep.
use gb_client::ink_account;
use gb_e2e_tests::*;

/// M1: 50 increasing vouchers of one 2 500 U channel in one `claim_batch` pay 2 500 U
/// but add one channel's success (`settle_cap` = 50 U), not 50 × 50 U.
#[tokio::test]
async fn m1_one_channel_repeated_in_a_batch_counts_its_success_once() {
    let m = Market::new(100, 1).await;
    let s = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let client = m.clients[0].clone();
    let now = m.now().await;
    let ch = m.open(&client, s, 2_500 * UNIT, now + DAY).await.unwrap();
    let batch: Vec<_> = (1..=50u128)
        .map(|i| m.voucher(&client, ch, 50 * i * UNIT))
        .collect();
    let out = m.claim_batch(batch).await;
    assert!(out.iter().all(|o| o.is_ok()), "{out:?}");
    assert_eq!(m.channel(ch).await.unwrap().claimed, 2_500 * UNIT);
    let p = m.query(m.reputation().params()).await;
    assert_eq!(m.score(s).await.success_mass, p.settle_cap);
}

/// H1, the review's sequence for three days: two socks pay the attacker's second org's
/// service T 50 U and rate it, and pay the attacker's service S 50 U (one voucher, S
/// priced 5 U so the 10-call price cap does not bind) and rate it 5★, every day. The
/// bound: the socks hold at most 2 · `rater_cap` of S's rating mass, so S's mean rating
/// and LCB stay at most (2C + K0·m0)/(2C + K0) = 0.75 (the review measured LCB 0.94
/// after one day before the fix).
#[tokio::test]
async fn h1_two_socks_stay_under_the_rater_cap_bound() {
    let m = Market::new(100, 2).await;
    let s = m.register("acme", &[("ocr", 5 * UNIT, &["vision"])]).await[0];
    let r = m.registry();
    m.call(&m.member, r.create_org("bee")).await.unwrap();
    let mut spec = m.spec("tts", 5 * UNIT, &["audio"]);
    spec.payee = ink_account(&m.member.account());
    let t = m
        .call(&m.member, r.register_service("bee", spec))
        .await
        .unwrap();
    let p = m.query(m.reputation().params()).await;
    let cap_mass = 2 * p.rater_cap;
    let r_max = 750_000;
    let socks = [m.clients[0].clone(), m.clients[1].clone()];
    for day in 0..3 {
        for sock in &socks {
            for (service, payee) in [(t, &m.member), (s, &m.provider)] {
                let now = m.now().await;
                let ch = m.open(sock, service, 50 * UNIT, now + DAY).await.unwrap();
                let v = m.voucher(sock, ch, 50 * UNIT);
                let out = m.send(payee, m.escrow().claim_batch(vec![v])).await;
                assert_eq!(out.unwrap().value, vec![Ok(50 * UNIT)]);
                m.rate(sock, ch, 5).await.unwrap();
            }
        }
        let score = m.score(s).await;
        eprintln!(
            "day {}: S LCB {} rating mass {}",
            day + 1,
            score.lcb,
            score.rating_mass
        );
        assert!(score.rating_mass <= cap_mass, "day {day}: {score:?}");
        assert!(score.lcb <= r_max, "day {day}: {score:?}");
        m.advance(DAY).await;
    }
}

/// M2, the review's call sequence: a fresh client `deposit_and_open(S, 1 U, now + 1
/// ms)` and refunds it a block later. Failures now need capital locked for a
/// meaningful time: escrow reports the 1 ms lock and reputation adds no failure mass
/// (before the fix: `failure_cap` = 1 U). Topping a 1-planck, day-long channel up to
/// 1 U a second before it expires counts as 1 U locked for about a second (the lock
/// starts at the funds-weighted mean): still nothing. A channel that locked 1 U for a
/// day (≥ `failure_lock_ref`) counts fully.
#[tokio::test]
async fn m2_failures_need_capital_locked_for_a_meaningful_time() {
    let m = Market::new(100, 3).await;
    let s = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let p = m.query(m.reputation().params()).await;
    assert!(p.failure_lock_ref <= DAY);
    let e = m.escrow();
    let [griefer, topper, honest] = [0, 1, 2].map(|i| m.clients[i].clone());

    let now = m.now().await;
    let ch = m.open(&griefer, s, p.failure_cap, now + 1).await.unwrap();
    m.advance(6_000).await;
    assert_eq!(m.call(&griefer, e.refund(ch)).await, Ok(p.failure_cap));
    assert_eq!(m.score(s).await.failure_mass, 0, "a 1 ms lock: no failure");

    let now = m.now().await;
    let ch = m.open(&topper, s, 1, now + DAY).await.unwrap();
    m.call(&topper, e.deposit(p.failure_cap)).await.unwrap();
    m.advance(DAY - 1_000).await;
    m.call(&topper, e.add_funds(ch, p.failure_cap))
        .await
        .unwrap();
    m.advance(HOUR).await;
    m.call(&topper, e.refund(ch)).await.unwrap();
    let late = m.score(s).await.failure_mass;
    assert!(late < p.failure_cap / 1_000, "a late top-up: {late}");

    let now = m.now().await;
    let ch = m.open(&honest, s, p.failure_cap, now + DAY).await.unwrap();
    m.advance(DAY).await;
    m.call(&honest, e.refund(ch)).await.unwrap();
    let score = m.score(s).await;
    eprintln!(
        "failure mass: 1 ms lock 0, late top-up {late}, a day {}",
        score.failure_mass
    );
    assert!(
        score.failure_mass >= late + p.failure_cap * 99 / 100,
        "{score:?}"
    );
}

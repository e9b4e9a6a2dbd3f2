//! The whole marketplace workflow with the three real contract bundles in drink.
mod common;
use common::*;
use gb_interfaces::{ChannelState, VoucherSignature};
use sp_core::crypto::Pair as _;

#[test]
fn register_discover_pay_claim_rate_refund() {
    let mut m = market(100, 3); // 1 % protocol fee
    let base = m.escrow_native();

    // 1. Register: an org with two services in the `medical` market, one also `vision`.
    let ids = m.register(
        "acme",
        &[
            ("xray", UNIT, &["medical", "vision"]),
            ("triage", 8 * UNIT / 10, &["medical"]),
        ],
    );
    let (xray, triage) = (ids[0], ids[1]);

    // 2. Discover: both at the prior, so the cheaper one ranks first.
    let page = m.ranked("medical");
    assert_eq!(
        page.entries
            .iter()
            .map(|e| e.service_id)
            .collect::<Vec<_>>(),
        vec![triage, xray]
    );
    assert_eq!(page.entries[0].score, page.entries[1].score);
    assert_eq!(m.ranked("vision").entries.len(), 1);

    // 3. Interact: three clients open channels (two on xray, one on triage).
    let now = m.chain.now();
    let [c0, c1, c2] = [
        m.clients[0].clone(),
        m.clients[1].clone(),
        m.clients[2].clone(),
    ];
    let ch0 = m.open(&c0, xray, 2_000 * UNIT, now + DAY).unwrap();
    let ch1 = m.open(&c1, xray, 100 * UNIT, now + DAY).unwrap();
    let ch2 = m.open(&c2, triage, 100 * UNIT, now + HOUR).unwrap();
    m.assert_conservation(base);

    // c0 makes 1,000 paid calls, signing a voucher for the cumulative amount each time;
    // the provider keeps the best one (and checks each off chain, as its gateway does).
    let mut best = None;
    for call in 1..=1_000u128 {
        let amount = call * UNIT;
        let sig = m.voucher(&c0, ch0, amount);
        let msg = gb_interfaces::voucher_message(m.suite.escrow.as_ref(), ch0, amount);
        let VoucherSignature::Sr25519(raw) = sig else {
            unreachable!()
        };
        assert!(sp_core::sr25519::Pair::verify(
            &sp_core::sr25519::Signature::from_raw(raw),
            msg,
            &c0.sr.public()
        ));
        best = Some((amount, sig));
    }
    let (amount0, sig0) = best.unwrap();
    // c1 signs with a browser wallet (the `<Bytes>` wrapper), 30 calls.
    let sig1 = m.wrapped_voucher(&c1, ch1, 30 * UNIT);

    // 4. Settle: one batch for both channels plus a forged voucher (c1 signing for ch0's
    // amount on ch0) that must not revert the good ones.
    let forged = m.voucher(&c1, ch0, amount0 + UNIT);
    let provider_before = m.chain.free_balance(&m.provider.account.clone());
    let out = m.claim_batch(vec![
        (ch0, amount0, sig0),
        (ch1, 30 * UNIT, sig1),
        (ch0, amount0 + UNIT, forged),
    ]);
    assert_eq!(out[0], Ok(1_000 * UNIT));
    assert_eq!(out[1], Ok(30 * UNIT));
    assert_eq!(out[2], Err(EscrowError::InvalidSignature));
    let gross = 1_030 * UNIT;
    let fee = gross / 100;
    let provider_after = m.chain.free_balance(&m.provider.account.clone());
    // The payee, as the caller, also paid the call's storage deposit (new records).
    let deposit = m
        .chain
        .costs
        .last()
        .expect("claim_batch cost")
        .1
        .storage_deposit;
    assert_eq!(
        provider_after as i128 - provider_before as i128 + deposit,
        (gross - fee) as i128,
        "payee got the claims net of the fee"
    );
    assert_eq!(m.fees_held(), fee);
    assert_eq!(m.channel(ch0).unwrap().claimed, 1_000 * UNIT);
    m.assert_conservation(base);

    // Replaying the same voucher pays nothing.
    let replay = m.voucher(&c0, ch0, amount0);
    assert_eq!(
        m.claim_batch(vec![(ch0, amount0, replay)]),
        vec![Err(EscrowError::AmountNotAboveClaimed)]
    );

    // 5. Learn: escrow reported the fulfillment; c0 and c1 rate xray 5 stars.
    let before = m.score(xray);
    assert!(
        before.success_mass > 0,
        "escrow reported the settlement to reputation"
    );
    m.rate(&c0.account, ch0, 5).unwrap();
    m.rate(&c1.account, ch1, 5).unwrap();
    let after = m.score(xray);
    assert!(after.rating_mean > before.rating_mean && after.lcb > before.lcb);
    // Rankings change: the well-rated xray now leads despite its higher price.
    let page = m.ranked("medical");
    assert_eq!(page.entries[0].service_id, xray);
    assert!(page.entries[0].score > page.entries[1].score);

    // Expiry + refund: triage's channel expires with nothing claimed.
    let c2_before = m.balance_of(&c2.account);
    assert_eq!(
        m.escrow::<Result<u128, EscrowError>>(&c2.account, "refund", ch2, 0),
        Err(EscrowError::NotExpired)
    );
    m.chain.advance(HOUR + 1);
    let refunded: Result<u128, EscrowError> = m.escrow(&c2.account, "refund", ch2, 0);
    assert_eq!(refunded, Ok(100 * UNIT));
    assert_eq!(m.balance_of(&c2.account) - c2_before, 100 * UNIT);
    assert_eq!(m.channel(ch2).unwrap().state, ChannelState::Closed);
    assert!(
        m.score(triage).failure_mass > 0,
        "an unclaimed expiry counts as a failure"
    );
    m.assert_conservation(base);

    // The treasury takes the fees; the client withdraws its refund.
    let t = m.treasury.account.clone();
    let got: Result<u128, EscrowError> = m.escrow(&t, "withdraw_fees", (), 0);
    assert_eq!(got, Ok(fee));
    let w: Result<(), EscrowError> = m.escrow(&c2.account, "withdraw", 100 * UNIT, 0);
    w.unwrap();
    m.assert_conservation(base);
}

#[test]
fn ecdsa_channel_claims_and_payee_close_refunds_the_rest() {
    let mut m = market(0, 1);
    let base = m.escrow_native();
    let svc = m.register("acme", &[("llm", UNIT, &["nlp"])])[0];
    let c = m.clients[0].clone();
    let now = m.chain.now();
    let signer = c.ec_signer();
    let ch: Result<u64, EscrowError> = m.escrow(
        &c.account,
        "deposit_and_open",
        (svc, signer, now + DAY),
        10 * UNIT,
    );
    let ch = ch.unwrap();
    let sig = m.ecdsa_voucher(&c, ch, 4 * UNIT);
    let p = m.provider.account.clone();
    let refunded: Result<u128, EscrowError> = m.escrow(&p, "close", (ch, Some((4 * UNIT, sig))), 0);
    assert_eq!(refunded, Ok(6 * UNIT));
    assert_eq!(m.balance_of(&c.account), 6 * UNIT);
    let closed = m.channel(ch).unwrap();
    assert_eq!(
        (closed.claimed, closed.state),
        (4 * UNIT, ChannelState::Closed)
    );
    // Claim after close is refused.
    let sig = m.ecdsa_voucher(&c, ch, 5 * UNIT);
    let r: Result<u128, EscrowError> = m.escrow(&p, "claim", (ch, 5 * UNIT, sig), 0);
    assert_eq!(r, Err(EscrowError::ChannelClosed));
    m.assert_conservation(base);
}

//! The whole marketplace workflow with the three real contract bundles in drink.
use escrow::types::FinalVoucher;
use gb_e2e_tests::*;
use gb_interfaces::{ChannelState, Voucher};
use gb_voucher::VoucherSigner as _;

#[tokio::test]
async fn register_discover_pay_claim_batch_rate_refund_withdraw() {
    let m = Market::new(100, 3).await; // 1 % protocol fee
    let base = m.escrow_native().await;

    // 1. Register: an org with two services in the `medical` market, one also `vision`.
    let ids = m
        .register(
            "acme",
            &[
                ("xray", UNIT, &["medical", "vision"]),
                ("triage", 8 * UNIT / 10, &["medical"]),
            ],
        )
        .await;
    let (xray, triage) = (ids[0], ids[1]);

    // 2. Discover: both at the prior, so the cheaper one ranks first.
    let page = m.ranked("medical").await;
    assert_eq!(
        page.entries
            .iter()
            .map(|e| e.service_id)
            .collect::<Vec<_>>(),
        vec![triage, xray]
    );
    assert_eq!(page.entries[0].score, page.entries[1].score);
    assert_eq!(m.ranked("vision").await.entries.len(), 1);

    // 3. Interact: three clients open channels (two on xray, one on triage).
    let now = m.now().await;
    let [c0, c1, c2] = [
        m.clients[0].clone(),
        m.clients[1].clone(),
        m.clients[2].clone(),
    ];
    let ch0 = m.open(&c0, xray, 2_000 * UNIT, now + DAY).await.unwrap();
    let ch1 = m.open(&c1, xray, 100 * UNIT, now + DAY).await.unwrap();
    let ch2 = m.open(&c2, triage, 100 * UNIT, now + HOUR).await.unwrap();
    m.check_conservation(base).await.unwrap();

    // c0 makes 1,000 paid calls, signing a voucher for the cumulative amount each time;
    // the provider keeps the best one (and checks each off chain, as its gateway does).
    let escrow = m.escrow_domain();
    let mut best = None;
    for call in 1..=1_000u128 {
        let v = m.voucher(&c0, ch0, call * UNIT);
        assert_eq!(
            gb_voucher::verify(&c0.vouchers.signer(), &escrow, &v),
            Ok(())
        );
        best = Some(v);
    }
    let v0 = best.unwrap();
    // c1 signs with a browser wallet (the `<Bytes>` wrapper), 30 calls; the gateway's
    // check accepts that form too.
    let v1 = m.wrapped_voucher(&c1, ch1, 30 * UNIT);
    assert_eq!(gb_voucher::verify(&c1.signer(), &escrow, &v1), Ok(()));

    // 4. Settle: one batch for both channels plus a forged voucher (c1 signing for ch0's
    // amount on ch0) that must not revert the good ones.
    let forged = m.voucher(&c1, ch0, v0.amount + UNIT);
    assert_eq!(
        gb_voucher::verify(&c0.signer(), &escrow, &forged),
        Err(gb_voucher::VoucherError::InvalidSignature),
        "the gateway would refuse it too"
    );
    let provider_before = m.free_balance(&m.provider).await;
    let batch = m.escrow().claim_batch(vec![v0, v1, forged]);
    let sent = m.send(&m.provider, batch).await.expect("claim_batch");
    let out = sent.value;
    // A gateway (or an indexer) reconstructs each channel's claimed total from the
    // call's one `Claimed` event, which lists the channels that paid.
    let claimed: Vec<_> = gb_client::channel_claims(&sent.events)
        .map(|c| (c.channel_id, c.claimed, c.paid))
        .collect();
    assert_eq!(
        claimed,
        vec![
            (ch0, 1_000 * UNIT, 1_000 * UNIT),
            (ch1, 30 * UNIT, 30 * UNIT)
        ]
    );
    assert_eq!(out[0], Ok(1_000 * UNIT));
    assert_eq!(out[1], Ok(30 * UNIT));
    assert_eq!(out[2], Err(EscrowError::InvalidSignature));
    let gross = 1_030 * UNIT;
    let fee = gross / 100;
    let provider_after = m.free_balance(&m.provider).await;
    // The payee, as the caller, also paid the call's storage deposit (new records).
    let claim = m.last_cost();
    assert_eq!(claim.label, "escrow::claim_batch");
    let deposit = claim.cost.storage_deposit;
    assert_eq!(
        provider_after as i128 - provider_before as i128 + deposit,
        (gross - fee) as i128,
        "payee got the claims net of the fee"
    );
    assert_eq!(m.fees_held().await, fee);
    assert_eq!(m.channel(ch0).await.unwrap().claimed, 1_000 * UNIT);
    m.check_conservation(base).await.unwrap();

    // Replaying the same voucher pays nothing.
    let replay = m.voucher(&c0, ch0, v0.amount);
    assert_eq!(
        m.claim_batch(vec![replay]).await,
        vec![Err(EscrowError::AmountNotAboveClaimed)]
    );

    // 5. Learn: escrow reported the fulfillment; c0 and c1 rate xray 5 stars.
    let before = m.score(xray).await;
    assert!(
        before.success_mass > 0,
        "escrow reported the settlement to reputation"
    );
    m.rate(&c0, ch0, 5).await.unwrap();
    m.rate(&c1, ch1, 5).await.unwrap();
    let after = m.score(xray).await;
    assert!(after.rating_mean > before.rating_mean && after.lcb > before.lcb);
    // Rankings change: the well-rated xray now leads despite its higher price.
    let page = m.ranked("medical").await;
    assert_eq!(page.entries[0].service_id, xray);
    assert!(page.entries[0].score > page.entries[1].score);

    // Expiry + refund: triage's channel expires with nothing claimed.
    let c2_before = m.balance_of(&c2).await;
    assert_eq!(
        m.call(&c2, m.escrow().refund(ch2)).await,
        Err(EscrowError::NotExpired)
    );
    m.advance(HOUR + 1).await;
    assert_eq!(m.call(&c2, m.escrow().refund(ch2)).await, Ok(100 * UNIT));
    assert_eq!(m.balance_of(&c2).await - c2_before, 100 * UNIT);
    assert_eq!(m.channel(ch2).await.unwrap().state, ChannelState::Closed);
    assert!(
        m.score(triage).await.failure_mass > 0,
        "an unclaimed expiry counts as a failure"
    );
    m.check_conservation(base).await.unwrap();

    // The treasury takes the fees; the client withdraws its refund.
    assert_eq!(
        m.call(&m.treasury, m.escrow().withdraw_fees()).await,
        Ok(fee)
    );
    m.call(&c2, m.escrow().withdraw(100 * UNIT)).await.unwrap();
    m.check_conservation(base).await.unwrap();
}

#[tokio::test]
async fn ecdsa_channel_close_with_final_voucher_refunds_the_rest() {
    let m = Market::new(0, 1).await;
    let base = m.escrow_native().await;
    let svc = m.register("acme", &[("llm", UNIT, &["nlp"])]).await[0];
    let c = m.clients[0].clone();
    let now = m.now().await;
    let signer = ecdsa_key(&c).signer();
    let open = m
        .escrow()
        .deposit_and_open(svc, signer, 10 * UNIT, now + DAY);
    let ch = m.call(&c, open).await.unwrap();
    let Voucher {
        amount, signature, ..
    } = m.ecdsa_voucher(&c, ch, 4 * UNIT);
    let close = m
        .escrow()
        .close(ch, Some(FinalVoucher { amount, signature }));
    assert_eq!(m.call(&m.provider, close).await, Ok(6 * UNIT));
    assert_eq!(m.balance_of(&c).await, 6 * UNIT);
    let closed = m.channel(ch).await.unwrap();
    assert_eq!(
        (closed.claimed, closed.state),
        (4 * UNIT, ChannelState::Closed)
    );
    // Claim after close is refused.
    let late = m.ecdsa_voucher(&c, ch, 5 * UNIT);
    assert_eq!(
        m.call(&m.provider, m.escrow().claim(late)).await,
        Err(EscrowError::ChannelClosed)
    );
    m.check_conservation(base).await.unwrap();
}

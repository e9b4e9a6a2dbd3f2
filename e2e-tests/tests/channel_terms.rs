//! Issue 18 (L2, L3, L5, L9): what a channel is bound to when it opens, on the real
//! bundles: its signer key must be a real key, its fee is the one in force then, the
//! client can pin the payee and price it read, and its payer (not the account it was
//! opened for) rates it.
use gb_client::ink_account;
use gb_e2e_tests::*;
use gb_interfaces::Signer;
use registry::types::ServiceUpdate;

/// L2: the all-zero sr25519 key (the Ristretto identity, for which anyone can forge a
/// signature) and an ecdsa key that is no curve point are refused at open.
#[tokio::test]
async fn a_degenerate_signer_key_is_refused_at_open() {
    let m = Market::new(0, 1).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let c = m.clients[0].clone();
    let exp = m.now().await + DAY;
    let mut off_curve = [0u8; 33];
    off_curve[0] = 2;
    off_curve[32] = 5;
    for signer in [Signer::Sr25519([0; 32]), Signer::Ecdsa(off_curve)] {
        let open = m.escrow().deposit_and_open(svc, signer, 10 * UNIT, exp);
        assert_eq!(m.call(&c, open).await, Err(EscrowError::InvalidSignerKey));
    }
    assert_eq!(m.query(m.escrow().config()).await.next_channel_id, 1);
}

/// L3: raising the fee to the cap after a channel opened does not touch its claims.
#[tokio::test]
async fn a_fee_raised_after_open_does_not_apply_to_the_open_channel() {
    let m = Market::new(100, 2).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let exp = m.now().await + DAY;
    let [c0, c1] = [m.clients[0].clone(), m.clients[1].clone()];
    let old = m.open(&c0, svc, 100 * UNIT, exp).await.unwrap();
    let raise = m.escrow().set_fee(1_000, &m.treasury.account());
    m.client.send(&m.deployer, raise).await.unwrap();
    let new = m.open(&c1, svc, 100 * UNIT, exp).await.unwrap();
    assert_eq!(m.channel(old).await.unwrap().fee_bps, 100);
    assert_eq!(m.channel(new).await.unwrap().fee_bps, 1_000);
    let out = m
        .claim_batch(vec![
            m.voucher(&c0, old, 100 * UNIT),
            m.voucher(&c1, new, 100 * UNIT),
        ])
        .await;
    assert_eq!(out, vec![Ok(100 * UNIT), Ok(100 * UNIT)]);
    assert_eq!(m.fees_held().await, UNIT + 10 * UNIT);
}

/// L5: a member front-runs the client's open by moving the payee (or raising the
/// price); the client pinned what it read, so its open fails and nothing is locked.
#[tokio::test]
async fn an_open_with_pinned_terms_fails_when_a_member_changed_them_first() {
    let m = Market::new(0, 1).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let c = m.clients[0].clone();
    let exp = m.now().await + DAY;
    let read = m.provider.account();
    let pinned = |max_price| {
        m.escrow()
            .open_channel_with_terms(svc, c.signer(), 10 * UNIT, exp, &read, max_price)
    };

    // The member moves the payee to itself just before the client's open lands.
    let hijack = ServiceUpdate {
        payee: Some(ink_account(&m.member.account())),
        ..ServiceUpdate::default()
    };
    m.call(&m.member, m.registry().update_service(svc, hijack))
        .await
        .unwrap();
    assert_eq!(
        m.call(&c, pinned(UNIT)).await,
        Err(EscrowError::PayeeChanged)
    );
    // An unpinned open would have paid the member.
    let unpinned = m.open(&c, svc, UNIT, exp).await.unwrap();
    assert_eq!(
        m.channel(unpinned).await.unwrap().payee,
        ink_account(&m.member.account())
    );

    // Back to the provider, but the price doubled.
    let back = ServiceUpdate {
        payee: Some(ink_account(&read)),
        price: Some(2 * UNIT),
        ..ServiceUpdate::default()
    };
    m.call(&m.provider, m.registry().update_service(svc, back))
        .await
        .unwrap();
    assert_eq!(
        m.call(&c, pinned(UNIT)).await,
        Err(EscrowError::PriceChanged)
    );
    // The refused payable opens kept nothing of the value sent.
    assert_eq!(m.balance_of(&c).await, 0);
    // Terms as read: it opens, for the provider.
    let ch = m.call(&c, pinned(2 * UNIT)).await.unwrap();
    let channel = m.channel(ch).await.unwrap();
    assert_eq!(
        (channel.payee, channel.funds),
        (ink_account(&read), 10 * UNIT)
    );
}

/// L9: a channel opened by a payer for another account is rated by the payer, who
/// paid, not by the account it was opened for.
#[tokio::test]
async fn the_payer_of_a_channel_opened_for_another_account_rates_it() {
    let m = Market::new(0, 2).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let exp = m.now().await + DAY;
    let [payer, sock] = [m.clients[0].clone(), m.clients[1].clone()];
    m.call(&payer, m.escrow().deposit(10 * UNIT)).await.unwrap();
    let open = m
        .escrow()
        .open_channel_for(&sock.account(), svc, sock.signer(), 10 * UNIT, exp);
    let ch = m.call(&payer, open).await.unwrap();
    let channel = m.channel(ch).await.unwrap();
    assert_eq!(
        (channel.client, channel.payer),
        (ink_account(&sock.account()), ink_account(&payer.account()))
    );
    let out = m.claim_batch(vec![m.voucher(&sock, ch, 2 * UNIT)]).await;
    assert_eq!(out, vec![Ok(2 * UNIT)]);
    assert_eq!(
        m.rate(&sock, ch, 5).await,
        Err(ReputationError::NotChannelClient)
    );
    m.rate(&payer, ch, 5).await.unwrap();
}

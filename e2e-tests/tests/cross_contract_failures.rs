//! Every failure path that crosses a contract boundary, on the real bundles.
use gb_client::message::Infallible;
use gb_client::{ink_account, Message};
use gb_e2e_tests::*;
use gb_interfaces::{OracleError, ReputationOracle as _, Settlement, Voucher, VoucherDomain};
use ink::codegen::ContractCallBuilder;
use ink::env::call::FromAccountId;

#[tokio::test]
async fn deposit_and_open_refuses_delisted_and_unknown_services() {
    let m = Market::new(0, 1).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let p = &m.provider;
    m.call(p, m.registry().delist_service(svc)).await.unwrap();
    let c = m.clients[0].clone();
    let exp = m.now().await + DAY;
    assert_eq!(
        m.open(&c, svc, 10 * UNIT, exp).await,
        Err(EscrowError::ServiceInactive)
    );
    assert_eq!(
        m.open(&c, 999, 10 * UNIT, exp).await,
        Err(EscrowError::ServiceNotFound)
    );
    // The failed payable open kept nothing: the client's value came back with the revert.
    assert_eq!(m.balance_of(&c).await, 0);
    // Relisted, it works again.
    m.call(p, m.registry().relist_service(svc)).await.unwrap();
    assert!(m.open(&c, svc, 10 * UNIT, exp).await.is_ok());
    // A delisted service disappears from discovery.
    m.call(p, m.registry().delist_service(svc)).await.unwrap();
    assert!(m.ranked("vision").await.entries.is_empty());
}

#[tokio::test]
async fn rate_accepts_only_paying_unaffiliated_clients_once_within_the_window() {
    let m = Market::new(0, 2).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let exp = m.now().await + DAY;
    let [c0, c1] = [m.clients[0].clone(), m.clients[1].clone()];
    let ch = m.open(&c0, svc, 10 * UNIT, exp).await.unwrap();
    let idle = m.open(&c1, svc, 10 * UNIT, exp).await.unwrap();

    // Nothing claimed yet: no rating.
    assert_eq!(
        m.rate(&c0, ch, 5).await,
        Err(ReputationError::NothingClaimed)
    );
    let v = m.voucher(&c0, ch, 3 * UNIT);
    assert_eq!(m.claim_batch(vec![v]).await, vec![Ok(3 * UNIT)]);

    // Not the channel's client.
    assert_eq!(
        m.rate(&c1, ch, 5).await,
        Err(ReputationError::NotChannelClient)
    );
    // Unknown channel, bad stars.
    assert_eq!(
        m.rate(&c0, 777, 5).await,
        Err(ReputationError::ChannelNotFound)
    );
    assert_eq!(m.rate(&c0, ch, 6).await, Err(ReputationError::InvalidStars));
    // The client rates once.
    m.rate(&c0, ch, 4).await.unwrap();
    assert_eq!(m.rate(&c0, ch, 5).await, Err(ReputationError::AlreadyRated));
    // c1 never paid on its channel.
    assert_eq!(
        m.rate(&c1, idle, 1).await,
        Err(ReputationError::NothingClaimed)
    );

    // Self-dealing: the org's member pays the service and tries to rate it.
    let member = m.member.clone();
    let own = m.open(&member, svc, 10 * UNIT, exp).await.unwrap();
    let v = m.voucher(&member, own, 2 * UNIT);
    assert_eq!(m.claim_batch(vec![v]).await, vec![Ok(2 * UNIT)]);
    assert_eq!(
        m.rate(&member, own, 5).await,
        Err(ReputationError::Affiliated)
    );

    // The rating window closes.
    let ch2 = m.open(&c1, svc, 10 * UNIT, exp).await.unwrap();
    let v = m.voucher(&c1, ch2, UNIT);
    assert_eq!(m.claim_batch(vec![v]).await, vec![Ok(UNIT)]);
    m.advance(91 * DAY).await;
    assert_eq!(
        m.rate(&c1, ch2, 5).await,
        Err(ReputationError::RatingWindowClosed)
    );
}

/// Reputation's `ReputationOracle` messages, which only the wired escrow may call (the
/// client has no typed API for them: nobody off chain should call them). Their
/// `OracleError` is a value here: the message's whole output.
type ReputationBuilder = <reputation::Reputation as ContractCallBuilder>::Type;
type OracleCall = Message<Infallible<Result<(), OracleError>>>;

fn oracle(m: &Market) -> (gb_chain::AccountId, ReputationBuilder) {
    let at = m.client.deployment().reputation().clone();
    let b = <ReputationBuilder as FromAccountId<ink::env::DefaultEnvironment>>::from_account_id(
        ink_account(&at),
    );
    (at, b)
}

#[tokio::test]
async fn report_settlements_and_report_failure_accept_only_the_wired_escrow() {
    let m = Market::new(0, 1).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let intruder = m.clients[0].clone();
    let fake = vec![Settlement {
        service_id: svc,
        channel_id: 1,
        claimed_before: 0,
        paid: 1_000 * UNIT,
    }];
    let (at, mut b) = oracle(&m);
    let settlements: OracleCall = Message::read(
        "reputation::ReputationOracle::report_settlements",
        &at,
        b.report_settlements(fake),
    );
    let failure: OracleCall = Message::read(
        "reputation::ReputationOracle::report_failure",
        &at,
        b.report_failure(svc, ink_account(&intruder.account()), 10 * UNIT, DAY),
    );
    for call in [settlements, failure] {
        let label = call.label;
        let sent = m.client.send(&intruder.key, call).await;
        let sent = sent.unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(sent.value, Err(OracleError::NotEscrow), "{label}");
    }
    let s = m.score(svc).await;
    assert_eq!((s.success_mass, s.failure_mass), (0, 0));
}

#[tokio::test]
async fn claim_batch_refuses_vouchers_of_other_channels_escrows_chains_schemes_and_amounts() {
    let m = Market::new(0, 1).await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let c = m.clients[0].clone();
    let exp = m.now().await + DAY;
    let a = m.open(&c, svc, 10 * UNIT, exp).await.unwrap();
    let b = m.open(&c, svc, 10 * UNIT, exp).await.unwrap();
    // A voucher for channel a presented for channel b.
    let for_a = m.voucher(&c, a, 2 * UNIT);
    let on_b = Voucher {
        channel_id: b,
        ..for_a
    };
    // A voucher signed for another escrow instance's channel a.
    let here = m.escrow_domain();
    let elsewhere = VoucherDomain::new(here.genesis_hash, [0xEE; 32]);
    let foreign = gb_voucher::sign(&c.vouchers, &elsewhere, a, 2 * UNIT);
    // Issue 18 L8: signed for this escrow address and channel on another chain (where
    // the same deployer, code and salt give the same address), and the superseded v1
    // voucher, which names no chain.
    assert_eq!(
        m.query(m.escrow().config()).await.genesis_hash,
        here.genesis_hash,
        "escrow was deployed for the chain it runs on"
    );
    let other_chain = VoucherDomain::new([0xB0; 32], here.escrow);
    let replayed = gb_voucher::sign(&c.vouchers, &other_chain, a, 2 * UNIT);
    let v1_message = gb_interfaces::voucher::v1::voucher_message(&here.escrow, a, 2 * UNIT);
    let v1 = Voucher::new(a, 2 * UNIT, {
        use gb_voucher::VoucherSigner as _;
        c.vouchers.sign_message(&v1_message)
    });
    // More than the channel holds, and a scheme mismatch.
    let too_much = m.voucher(&c, a, 11 * UNIT);
    let ec = m.ecdsa_voucher(&c, a, 2 * UNIT);
    let out = m
        .claim_batch(vec![on_b, foreign, replayed, v1, too_much, ec, for_a])
        .await;
    assert_eq!(
        out,
        vec![
            Err(EscrowError::InvalidSignature),
            Err(EscrowError::InvalidSignature),
            Err(EscrowError::InvalidSignature),
            Err(EscrowError::InvalidSignature),
            Err(EscrowError::AmountExceedsFunds),
            Err(EscrowError::SchemeMismatch),
            Ok(2 * UNIT),
        ]
    );
    // Only the payee claims.
    let v = m.voucher(&c, a, 3 * UNIT);
    assert_eq!(
        m.call(&c, m.escrow().claim(v)).await,
        Err(EscrowError::NotPayee)
    );
}

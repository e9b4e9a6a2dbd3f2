//! Every failure path that crosses a contract boundary, on the real bundles.
mod common;
use common::*;
use gb_interfaces::{OracleError, Settlement};

#[test]
fn escrow_refuses_channels_for_delisted_and_unknown_services() {
    let mut m = market(0, 1);
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])])[0];
    let p = m.provider.account.clone();
    let r: Result<(), RegistryError> = m.registry(&p, "delist_service", svc);
    r.unwrap();
    let c = m.clients[0].clone();
    let exp = m.chain.now() + DAY;
    assert_eq!(
        m.open(&c, svc, 10 * UNIT, exp),
        Err(EscrowError::ServiceInactive)
    );
    assert_eq!(
        m.open(&c, 999, 10 * UNIT, exp),
        Err(EscrowError::ServiceNotFound)
    );
    // The failed payable open kept nothing: the client's value came back with the revert.
    assert_eq!(m.balance_of(&c.account), 0);
    // Relisted, it works again.
    let r: Result<(), RegistryError> = m.registry(&p, "relist_service", svc);
    r.unwrap();
    assert!(m.open(&c, svc, 10 * UNIT, exp).is_ok());
    // A delisted service disappears from discovery.
    let r: Result<(), RegistryError> = m.registry(&p, "delist_service", svc);
    r.unwrap();
    assert!(m.ranked("vision").entries.is_empty());
}

#[test]
fn only_paying_unaffiliated_clients_rate_once() {
    let mut m = market(0, 2);
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])])[0];
    let exp = m.chain.now() + DAY;
    let [c0, c1] = [m.clients[0].clone(), m.clients[1].clone()];
    let ch = m.open(&c0, svc, 10 * UNIT, exp).unwrap();
    let idle = m.open(&c1, svc, 10 * UNIT, exp).unwrap();

    // Nothing claimed yet: no rating.
    assert_eq!(
        m.rate(&c0.account, ch, 5),
        Err(ReputationError::NothingClaimed)
    );
    let sig = m.voucher(&c0, ch, 3 * UNIT);
    assert_eq!(m.claim_batch(vec![(ch, 3 * UNIT, sig)]), vec![Ok(3 * UNIT)]);

    // Not the channel's client.
    assert_eq!(
        m.rate(&c1.account, ch, 5),
        Err(ReputationError::NotChannelClient)
    );
    // Unknown channel, bad stars.
    assert_eq!(
        m.rate(&c0.account, 777, 5),
        Err(ReputationError::ChannelNotFound)
    );
    assert_eq!(
        m.rate(&c0.account, ch, 6),
        Err(ReputationError::InvalidStars)
    );
    // The client rates once.
    m.rate(&c0.account, ch, 4).unwrap();
    assert_eq!(
        m.rate(&c0.account, ch, 5),
        Err(ReputationError::AlreadyRated)
    );
    // c1 never paid on its channel.
    assert_eq!(
        m.rate(&c1.account, idle, 1),
        Err(ReputationError::NothingClaimed)
    );

    // Self-dealing: the org's member pays the service and tries to rate it.
    let member = m.member.clone();
    let own = m.open(&member, svc, 10 * UNIT, exp).unwrap();
    let sig = m.voucher(&member, own, 2 * UNIT);
    assert_eq!(
        m.claim_batch(vec![(own, 2 * UNIT, sig)]),
        vec![Ok(2 * UNIT)]
    );
    assert_eq!(
        m.rate(&member.account, own, 5),
        Err(ReputationError::Affiliated)
    );

    // The rating window closes.
    let ch2 = m.open(&c1, svc, 10 * UNIT, exp).unwrap();
    let sig = m.voucher(&c1, ch2, UNIT);
    assert_eq!(m.claim_batch(vec![(ch2, UNIT, sig)]), vec![Ok(UNIT)]);
    m.chain.advance(91 * DAY);
    assert_eq!(
        m.rate(&c1.account, ch2, 5),
        Err(ReputationError::RatingWindowClosed)
    );
}

#[test]
fn fulfillment_records_only_from_the_wired_escrow() {
    let mut m = market(0, 1);
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])])[0];
    let intruder = m.clients[0].account.clone();
    let at = m.suite.reputation.clone();
    let fake = vec![Settlement {
        service_id: svc,
        paid: 1_000 * UNIT,
        channels: 1,
    }];
    let r: Result<(), OracleError> = m
        .chain
        .call(
            &m.b.reputation,
            &at,
            "ReputationOracle::report_settlements",
            fake,
            &intruder,
            0,
        )
        .unwrap();
    assert_eq!(r, Err(OracleError::NotEscrow));
    let r: Result<(), OracleError> = m
        .chain
        .call(
            &m.b.reputation,
            &at,
            "ReputationOracle::report_failure",
            (svc, m.clients[0].id(), 10 * UNIT),
            &intruder,
            0,
        )
        .unwrap();
    assert_eq!(r, Err(OracleError::NotEscrow));
    let s = m.score(svc);
    assert_eq!((s.success_mass, s.failure_mass), (0, 0));
}

#[test]
fn vouchers_do_not_cross_channels_or_escrow_instances() {
    let mut m = market(0, 1);
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])])[0];
    let c = m.clients[0].clone();
    let exp = m.chain.now() + DAY;
    let a = m.open(&c, svc, 10 * UNIT, exp).unwrap();
    let b = m.open(&c, svc, 10 * UNIT, exp).unwrap();
    // A voucher for channel a presented for channel b.
    let for_a = m.voucher(&c, a, 2 * UNIT);
    // A voucher signed for another escrow instance's channel a.
    let other = gb_interfaces::voucher_message(&[0xEE; 32], a, 2 * UNIT);
    use sp_core::crypto::Pair as _;
    let foreign = gb_interfaces::VoucherSignature::Sr25519(c.sr.sign(&other).0);
    // More than the channel holds, and a scheme mismatch.
    let too_much = m.voucher(&c, a, 11 * UNIT);
    let ec = m.ecdsa_voucher(&c, a, 2 * UNIT);
    let out = m.claim_batch(vec![
        (b, 2 * UNIT, for_a),
        (a, 2 * UNIT, foreign),
        (a, 11 * UNIT, too_much),
        (a, 2 * UNIT, ec),
        (a, 2 * UNIT, for_a),
    ]);
    assert_eq!(
        out,
        vec![
            Err(EscrowError::InvalidSignature),
            Err(EscrowError::InvalidSignature),
            Err(EscrowError::AmountExceedsFunds),
            Err(EscrowError::SchemeMismatch),
            Ok(2 * UNIT),
        ]
    );
    // Only the payee claims.
    let sig = m.voucher(&c, a, 3 * UNIT);
    let r: Result<u128, EscrowError> = m.escrow(&c.account, "claim", (a, 3 * UNIT, sig), 0);
    assert_eq!(r, Err(EscrowError::NotPayee));
}

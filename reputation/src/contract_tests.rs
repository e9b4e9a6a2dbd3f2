//! `#[ink::test]`s of the contract messages that do not call other contracts (the
//! off-chain environment cannot execute cross-contract calls; `rate` is covered up to
//! its first call here and fully on the logic in `data/tests.rs` and
//! `data/scenario_tests.rs`).

use crate::events::*;
use crate::reputation::Reputation;
use crate::{Error, ParamError, Params, MAX_RANK_IDS, MAX_REPORT};
use gb_interfaces::{OracleError, ReputationOracle, Settlement};
use gb_testkit::{acc, assert_topics, nth_last, set_caller as as_caller, set_now};

const DAY: u64 = 86_400_000;

/// Deployed by acc(1) with registry acc(2); escrow acc(3) wired.
fn deploy() -> Reputation {
    as_caller(acc(1));
    set_now(100 * DAY);
    let mut r = Reputation::new(acc(2));
    r.set_escrow(acc(3)).unwrap();
    r
}

fn events() -> usize {
    gb_testkit::events().len()
}

#[ink::test]
fn new_and_new_with_params() {
    as_caller(acc(1));
    let r = Reputation::new(acc(2));
    assert_eq!(r.owner(), acc(1));
    assert_eq!(r.registry(), acc(2));
    assert_eq!(r.escrow(), None);
    assert_eq!(r.params(), Params::default());

    let p = Params::for_unit(1_000);
    let r = Reputation::new_with_params(acc(2), p).unwrap();
    assert_eq!(r.params(), p);
    let mut bad = p;
    bad.prior_mean = 900_000;
    assert!(matches!(
        Reputation::new_with_params(acc(2), bad),
        Err(Error::InvalidParams(ParamError::PriorMean))
    ));
}

#[ink::test]
fn set_escrow_set_registry_set_params_transfer_ownership_are_owner_only() {
    let mut r = deploy();
    let before = events();
    as_caller(acc(9));
    assert_eq!(r.set_escrow(acc(8)), Err(Error::NotOwner));
    assert_eq!(r.set_registry(acc(8)), Err(Error::NotOwner));
    assert_eq!(r.set_params(Params::default()), Err(Error::NotOwner));
    assert_eq!(r.transfer_ownership(acc(9)), Err(Error::NotOwner));
    assert_eq!(events(), before);

    as_caller(acc(1));
    r.set_escrow(acc(8)).unwrap();
    r.set_registry(acc(7)).unwrap();
    let p = Params {
        z: 1_645_000,
        ..Params::default()
    };
    r.set_params(p).unwrap();
    let mut bad = p;
    bad.rating_window_ms = 0;
    assert_eq!(
        r.set_params(bad),
        Err(Error::InvalidParams(ParamError::RatingWindow))
    );
    r.transfer_ownership(acc(9)).unwrap();
    assert_eq!(events(), before + 4);
    assert_eq!(
        (r.escrow(), r.registry(), r.params(), r.owner()),
        (Some(acc(8)), acc(7), p, acc(9))
    );
    assert_eq!(r.set_escrow(acc(3)), Err(Error::NotOwner));
}

#[ink::test]
fn report_settlements_and_report_failure_only_from_escrow() {
    let mut r = deploy();
    let s = vec![Settlement {
        service_id: 1,
        channel_id: 1,
        claimed_before: 0,
        paid: 1_000,
    }];
    as_caller(acc(4));
    assert_eq!(r.report_settlements(s.clone()), Err(OracleError::NotEscrow));
    assert_eq!(
        r.report_failure(1, acc(4), 10, DAY),
        Err(OracleError::NotEscrow)
    );
    assert_eq!(r.stats_of(1), None);

    let before = events();
    as_caller(acc(3));
    assert_eq!(r.report_settlements(s), Ok(()));
    assert_eq!(r.report_failure(2, acc(4), 10, DAY), Ok(()));
    assert_eq!(r.report_failure(2, acc(4), 10, DAY), Ok(())); // same day: not counted again
    assert_eq!(events(), before + 2);
    assert_eq!(r.stats_of(1).unwrap().slow.success, 1_000);
    assert_eq!(r.stats_of(2).unwrap().slow.failure, 10);

    let too_many = vec![
        Settlement {
            service_id: 1,
            channel_id: 1,
            claimed_before: 0,
            paid: 1,
        };
        MAX_REPORT + 1
    ];
    assert_eq!(
        r.report_settlements(too_many),
        Err(OracleError::TooManySettlements)
    );
}

#[ink::test]
fn score_of_and_rank_scores() {
    let mut r = deploy();
    as_caller(acc(3));
    r.report_settlements(vec![Settlement {
        service_id: 1,
        channel_id: 1,
        claimed_before: 0,
        paid: 50 * gb_scoring::DEFAULT_UNIT,
    }])
    .unwrap();
    let prior = r.score_of(99);
    assert_eq!(prior.rating_mean, Params::default().prior_mean);
    let s = r.rank_scores(vec![1, 99]);
    assert_eq!(s, vec![r.score_of(1).lcb, prior.lcb]);
    assert!(s[0] > s[1]);
    assert_eq!(
        r.rank_scores((0..=MAX_RANK_IDS as u64).collect()),
        Vec::<u32>::new()
    );
    // Scores are computed at the block time: success fades toward the prior.
    set_now(400 * DAY);
    assert!(r.score_of(1).lcb < s[0]);
}

#[ink::test]
fn rate_checks_before_calling_out() {
    as_caller(acc(1));
    let mut r = Reputation::new(acc(2));
    as_caller(acc(4));
    assert_eq!(r.rate(1, 0), Err(Error::InvalidStars));
    assert_eq!(r.rate(1, 6), Err(Error::InvalidStars));
    assert_eq!(r.rate(1, 5), Err(Error::EscrowNotSet));
    assert!(!r.has_rated(1));
    assert_eq!(
        r.maturity_of(acc(4), acc(5)),
        Params::default().min_maturity
    );
}

#[ink::test]
fn every_event_carries_its_topics() {
    let mut r = deploy();
    use gb_testkit::topic_of as t;
    assert_topics::<EscrowSet>(&nth_last(0), &[t(&acc(3))]);
    as_caller(acc(3));
    r.report_settlements(vec![Settlement {
        service_id: 7,
        channel_id: 1,
        claimed_before: 0,
        paid: 10,
    }])
    .unwrap();
    assert_topics::<FulfillmentRecorded>(&nth_last(0), &[t(&7u64)]);
    r.report_failure(7, acc(4), 10, DAY).unwrap();
    assert_topics::<FailureRecorded>(&nth_last(0), &[t(&7u64), t(&acc(4))]);
    as_caller(acc(1));
    r.set_registry(acc(8)).unwrap();
    assert_topics::<RegistrySet>(&nth_last(0), &[t(&acc(8))]);
    r.set_params(Params::default()).unwrap();
    assert_topics::<ParamsChanged>(&nth_last(0), &[]);
    r.transfer_ownership(acc(9)).unwrap();
    assert_topics::<OwnershipTransferred>(&nth_last(0), &[t(&acc(1)), t(&acc(9))]);
    // `Rated` is emitted after two cross-contract reads, which the off-chain
    // environment cannot run: the drink suite checks its topics.
}

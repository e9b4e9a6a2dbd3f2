//! Tests of the reputation logic: every method, every rule and every error path.

use crate::data::{ReputationData, MAX_RANK_IDS, MAX_REPORT};
use crate::errors::Error;
use crate::events::*;
use gb_interfaces::{AccountId, ChannelFacts, ChannelState, OracleError, Settlement, Timestamp};
use gb_scoring::{ParamError, Params, ServiceStats, EPOCH_MS};
use std::cell::Cell;

/// Reference price of the tests: rating_cap 5_000, epoch_rating_cap 10_000,
/// spend_ref 2_000, settle_cap 5_000, failure_cap 1_000, floor 10%, window 7 days.
pub const U: u128 = 100;
pub const T0: Timestamp = 100 * EPOCH_MS;
pub const WINDOW: Timestamp = 7 * EPOCH_MS;

pub fn acc(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
pub fn owner() -> AccountId {
    acc(1)
}
pub fn registry() -> AccountId {
    acc(2)
}
pub fn escrow() -> AccountId {
    acc(3)
}
pub fn client() -> AccountId {
    acc(4)
}
pub fn payee() -> AccountId {
    acc(5)
}

pub fn params() -> Params {
    Params::for_unit(U)
}

/// Owned by `owner()`, escrow wired.
pub fn setup() -> ReputationData {
    let mut r = ReputationData::with_params(owner(), registry(), params()).unwrap();
    r.set_escrow(owner(), escrow()).unwrap();
    r
}

pub fn facts(
    client: AccountId,
    payee: AccountId,
    service_id: u64,
    claimed: u128,
) -> Option<ChannelFacts> {
    Some(ChannelFacts {
        client,
        payee,
        service_id,
        claimed,
        last_claim_at: T0,
        state: ChannelState::Closed,
    })
}

pub fn no(_: u64) -> crate::Result<bool> {
    Ok(false)
}

// ----- construction and administration ----------------------------------------------

#[ink::test]
fn new_uses_defaults_and_has_no_escrow() {
    let r = ReputationData::new(owner(), registry());
    assert_eq!(r.owner(), owner());
    assert_eq!(r.registry(), registry());
    assert_eq!(r.escrow(), None);
    assert_eq!(r.params(), Params::default());
    assert_eq!(Params::default().validate(), Ok(()));
}

#[ink::test]
fn with_params_validates() {
    let r = ReputationData::with_params(owner(), registry(), params()).unwrap();
    assert_eq!(r.params(), params());
    let mut bad = params();
    bad.z = 5_000_000;
    assert!(matches!(
        ReputationData::with_params(owner(), registry(), bad),
        Err(Error::InvalidParams(ParamError::Z))
    ));
}

#[ink::test]
fn transfer_ownership_moves_every_owner_right() {
    let mut r = setup();
    assert_eq!(
        r.transfer_ownership(client(), client()),
        Err(Error::NotOwner)
    );
    assert_eq!(
        r.transfer_ownership(owner(), acc(9)),
        Ok(vec![Event::OwnershipTransferred(OwnershipTransferred {
            previous: owner(),
            new: acc(9),
        })])
    );
    assert_eq!(r.owner(), acc(9));
    assert_eq!(r.set_escrow(owner(), acc(8)), Err(Error::NotOwner));
    assert_eq!(r.set_registry(owner(), acc(8)), Err(Error::NotOwner));
    assert_eq!(r.set_params(owner(), params()), Err(Error::NotOwner));
    assert!(r.set_escrow(acc(9), acc(8)).is_ok());
}

#[ink::test]
fn set_escrow_wires_and_rewires() {
    let mut r = ReputationData::new(owner(), registry());
    assert_eq!(r.set_escrow(client(), escrow()), Err(Error::NotOwner));
    assert_eq!(r.escrow(), None);
    assert_eq!(
        r.set_escrow(owner(), escrow()),
        Ok(vec![Event::EscrowSet(EscrowSet {
            previous: None,
            escrow: escrow(),
        })])
    );
    assert_eq!(
        r.set_escrow(owner(), acc(8)),
        Ok(vec![Event::EscrowSet(EscrowSet {
            previous: Some(escrow()),
            escrow: acc(8),
        })])
    );
    assert_eq!(r.escrow(), Some(acc(8)));
}

#[ink::test]
fn set_registry_rewires() {
    let mut r = setup();
    assert_eq!(r.set_registry(client(), acc(8)), Err(Error::NotOwner));
    assert_eq!(
        r.set_registry(owner(), acc(8)),
        Ok(vec![Event::RegistrySet(RegistrySet {
            previous: registry(),
            registry: acc(8),
        })])
    );
    assert_eq!(r.registry(), acc(8));
}

#[ink::test]
fn set_params_validates_and_reports_both_versions() {
    let mut r = setup();
    let mut p = params();
    p.prior_mean = 400_000;
    assert_eq!(r.set_params(client(), p), Err(Error::NotOwner));
    assert_eq!(
        r.set_params(owner(), p),
        Ok(vec![Event::ParamsChanged(Box::new(ParamsChanged {
            previous: params(),
            params: p,
        }))])
    );
    assert_eq!(r.params(), p);
    assert_eq!(r.score_of(1, T0).rating_mean, 400_000);
    let mut bad = p;
    bad.half_life_fast = 0;
    assert_eq!(
        r.set_params(owner(), bad),
        Err(Error::InvalidParams(ParamError::HalfLifeFast))
    );
    assert_eq!(r.params(), p);
}

// ----- outcomes from escrow -----------------------------------------------------------

fn settlement(service_id: u64, paid: u128, channels: u32) -> Settlement {
    Settlement {
        service_id,
        paid,
        channels,
    }
}

#[ink::test]
fn report_settlements_adds_capped_success_mass() {
    let mut r = setup();
    let events = r
        .report_settlements(
            escrow(),
            T0,
            &[
                settlement(1, 300, 1),
                settlement(2, 0, 1),
                settlement(3, 1_000_000, 2),
            ],
        )
        .unwrap();
    assert_eq!(
        events,
        vec![
            Event::FulfillmentRecorded(FulfillmentRecorded {
                service_id: 1,
                paid: 300,
                channels: 1,
                mass: 300,
            }),
            Event::FulfillmentRecorded(FulfillmentRecorded {
                service_id: 3,
                paid: 1_000_000,
                channels: 2,
                mass: 10_000,
            }),
        ]
    );
    assert_eq!(r.stats_of(1).unwrap().slow.success, 300);
    assert_eq!(r.stats_of(2), None); // paid 0: skipped
    assert_eq!(r.stats_of(3).unwrap().fast.success, 10_000);
    assert_eq!(r.stats_of(1).unwrap().last_epoch, 100);
    assert!(r.score_of(1, T0).fulfillment > r.score_of(2, T0).fulfillment);
}

#[ink::test]
fn only_escrow_may_report() {
    let mut unwired = ReputationData::new(owner(), registry());
    assert_eq!(
        unwired.report_settlements(escrow(), T0, &[settlement(1, 5, 1)]),
        Err(OracleError::NotEscrow)
    );
    assert_eq!(
        unwired.report_failure(escrow(), T0, 1, client(), 5),
        Err(OracleError::NotEscrow)
    );
    let mut r = setup();
    for caller in [owner(), registry(), client(), payee()] {
        assert_eq!(
            r.report_settlements(caller, T0, &[settlement(1, 5, 1)]),
            Err(OracleError::NotEscrow)
        );
        assert_eq!(
            r.report_failure(caller, T0, 1, client(), 5),
            Err(OracleError::NotEscrow)
        );
    }
    assert_eq!(r.stats_of(1), None);
}

#[ink::test]
fn report_settlements_is_bounded() {
    let mut r = setup();
    let too_many: Vec<_> = (0..=MAX_REPORT as u64)
        .map(|i| settlement(i, 1, 1))
        .collect();
    assert_eq!(
        r.report_settlements(escrow(), T0, &too_many),
        Err(OracleError::TooManySettlements)
    );
    assert_eq!(r.stats_of(0), None);
    let events = r
        .report_settlements(escrow(), T0, &too_many[..MAX_REPORT])
        .unwrap();
    assert_eq!(events.len(), MAX_REPORT);
    assert_eq!(r.report_settlements(escrow(), T0, &[]), Ok(vec![]));
}

#[ink::test]
fn report_failure_counts_once_per_client_service_and_epoch() {
    let mut r = setup();
    assert_eq!(
        r.report_failure(escrow(), T0, 1, client(), 5_000),
        Ok(vec![Event::FailureRecorded(FailureRecorded {
            service_id: 1,
            client: client(),
            locked: 5_000,
            mass: 1_000, // failure_cap
        })])
    );
    // Same client, service and day: ignored.
    assert_eq!(
        r.report_failure(escrow(), T0 + 1_000, 1, client(), 5_000),
        Ok(vec![])
    );
    assert_eq!(r.stats_of(1).unwrap().slow.failure, 1_000);
    // Another client, another service, or the next day: counted.
    assert_eq!(
        r.report_failure(escrow(), T0, 1, acc(9), 40).unwrap().len(),
        1
    );
    assert_eq!(
        r.report_failure(escrow(), T0, 2, client(), 40)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        r.report_failure(escrow(), T0 + EPOCH_MS, 1, client(), 40)
            .unwrap()
            .len(),
        1
    );
    assert!(r.score_of(1, T0 + EPOCH_MS).fulfillment < r.score_of(3, T0).fulfillment);
}

// ----- reads ------------------------------------------------------------------------

#[ink::test]
fn unknown_services_score_the_prior() {
    let r = setup();
    let prior = ServiceStats::default().score(&params(), 100);
    assert_eq!(r.score_of(42, T0), prior);
    assert_eq!(r.stats_of(42), None);
    assert_eq!(r.rank_scores(&[42, 43], T0), vec![prior.lcb, prior.lcb]);
}

#[ink::test]
fn rank_scores_is_bounded_and_ordered() {
    let mut r = setup();
    r.report_settlements(escrow(), T0, &[settlement(2, 5_000, 1)])
        .unwrap();
    r.report_failure(escrow(), T0, 3, client(), 5_000).unwrap();
    let s = r.rank_scores(&[1, 2, 3], T0);
    assert_eq!(s.len(), 3);
    assert!(s[1] > s[0] && s[0] > s[2], "{s:?}");
    assert_eq!(s[1], r.score_of(2, T0).lcb);
    let ids: Vec<u64> = (0..MAX_RANK_IDS as u64).collect();
    assert_eq!(r.rank_scores(&ids, T0).len(), MAX_RANK_IDS);
    let ids: Vec<u64> = (0..=MAX_RANK_IDS as u64).collect();
    assert_eq!(r.rank_scores(&ids, T0), Vec::<u32>::new());
    assert_eq!(r.rank_scores(&[], T0), Vec::<u32>::new());
}

// ----- ratings ------------------------------------------------------------------------

#[ink::test]
fn rate_records_a_weighted_rating() {
    let mut r = setup();
    let events = r
        .rate(
            client(),
            T0 + 1,
            7,
            5,
            facts(client(), payee(), 1, 3_000),
            no,
        )
        .unwrap();
    // No spend elsewhere: maturity floor 10%, weight 3_000 · 0.1.
    assert_eq!(
        events,
        vec![Event::Rated(Rated {
            service_id: 1,
            client: client(),
            channel_id: 7,
            stars: 5,
            maturity: 100_000,
            weight: 300,
        })]
    );
    assert!(r.has_rated(7));
    assert!(!r.has_rated(8));
    let st = r.stats_of(1).unwrap();
    assert_eq!((st.slow.rating_sum, st.slow.rating_mass), (300, 300));
    assert_eq!(st.epoch_rating_mass, 300);
    assert!(r.score_of(1, T0).rating_mean > params().prior_mean);
    // The 3_000 now counts as spend elsewhere for any other payee ...
    assert_eq!(r.maturity_of(client(), acc(9)), 1_000_000);
    // ... but not for the same payee.
    assert_eq!(r.maturity_of(client(), payee()), 100_000);
}

#[ink::test]
fn a_mature_rater_weighs_fully_up_to_the_cap() {
    let mut r = setup();
    // 1_000 rated spend with payee 9: half of spend_ref.
    r.rate(client(), T0, 1, 4, facts(client(), acc(9), 2, 1_000), no)
        .unwrap();
    assert_eq!(r.maturity_of(client(), payee()), 500_000);
    let e = r
        .rate(client(), T0, 2, 4, facts(client(), payee(), 1, 8_000), no)
        .unwrap();
    // min(8_000, rating_cap 5_000) · 0.5
    assert!(matches!(&e[0], Event::Rated(x) if x.weight == 2_500 && x.maturity == 500_000));
}

#[ink::test]
fn rate_rejects_bad_stars() {
    let mut r = setup();
    for stars in [0u8, 6, 255] {
        assert_eq!(
            r.rate(client(), T0, 1, stars, facts(client(), payee(), 1, 100), no),
            Err(Error::InvalidStars)
        );
        assert_eq!(r.pre_rate(1, stars), Err(Error::InvalidStars));
    }
    assert!(!r.has_rated(1));
}

#[ink::test]
fn rate_needs_escrow_wired() {
    let mut r = ReputationData::new(owner(), registry());
    assert_eq!(r.pre_rate(1, 5), Err(Error::EscrowNotSet));
    assert_eq!(
        r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 100), no),
        Err(Error::EscrowNotSet)
    );
}

#[ink::test]
fn rate_once_per_channel() {
    let mut r = setup();
    assert_eq!(r.pre_rate(1, 5), Ok(escrow()));
    r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 100), no)
        .unwrap();
    assert_eq!(r.pre_rate(1, 5), Err(Error::AlreadyRated));
    assert_eq!(
        r.rate(client(), T0, 1, 1, facts(client(), payee(), 1, 100), no),
        Err(Error::AlreadyRated)
    );
}

#[ink::test]
fn rate_needs_an_existing_channel() {
    let mut r = setup();
    assert_eq!(
        r.rate(client(), T0, 1, 5, None, no),
        Err(Error::ChannelNotFound)
    );
}

#[ink::test]
fn only_the_client_may_rate() {
    let mut r = setup();
    for caller in [acc(9), owner(), escrow()] {
        assert_eq!(
            r.rate(caller, T0, 1, 5, facts(client(), payee(), 1, 100), no),
            Err(Error::NotChannelClient)
        );
    }
    assert!(!r.has_rated(1));
}

#[ink::test]
fn nothing_claimed_nothing_to_rate() {
    let mut r = setup();
    assert_eq!(
        r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 0), no),
        Err(Error::NothingClaimed)
    );
}

#[ink::test]
fn rating_window_after_the_last_claim() {
    let mut r = setup();
    assert_eq!(
        r.rate(
            client(),
            T0 + WINDOW + 1,
            1,
            5,
            facts(client(), payee(), 1, 100),
            no
        ),
        Err(Error::RatingWindowClosed)
    );
    assert!(r
        .rate(
            client(),
            T0 + WINDOW,
            1,
            5,
            facts(client(), payee(), 1, 100),
            no
        )
        .is_ok());
    // A later claim reopens the window (last_claim_at moves).
    let mut f = facts(client(), payee(), 1, 100).unwrap();
    f.last_claim_at = T0 + 2 * WINDOW;
    assert!(r.rate(client(), T0 + 3 * WINDOW, 2, 5, Some(f), no).is_ok());
}

#[ink::test]
fn payee_and_affiliates_may_not_rate() {
    let mut r = setup();
    // The payee paying itself.
    assert_eq!(
        r.rate(payee(), T0, 1, 5, facts(payee(), payee(), 1, 100), no),
        Err(Error::Affiliated)
    );
    // Owner or org member (the registry says so).
    let asked = Cell::new(None);
    let yes = |id: u64| {
        asked.set(Some(id));
        Ok(true)
    };
    assert_eq!(
        r.rate(client(), T0, 1, 5, facts(client(), payee(), 7, 100), yes),
        Err(Error::Affiliated)
    );
    assert_eq!(asked.get(), Some(7));
    assert!(!r.has_rated(1));
    assert_eq!(r.stats_of(7), None);
}

#[ink::test]
fn registry_failure_refuses_the_rating() {
    let mut r = setup();
    let broken = |_| Err(Error::RegistryCallFailed);
    assert_eq!(
        r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 100), broken),
        Err(Error::RegistryCallFailed)
    );
    assert!(!r.has_rated(1));
}

#[ink::test]
fn registry_is_asked_only_after_the_cheap_checks() {
    let mut r = setup();
    let asked = Cell::new(false);
    let spy = |_| {
        asked.set(true);
        Ok(false)
    };
    let _ = r.rate(acc(9), T0, 1, 5, facts(client(), payee(), 1, 100), spy);
    assert!(!asked.get());
}

#[ink::test]
fn epoch_rating_cap_clips_then_refuses_until_the_next_day() {
    let mut r = setup();
    // A rater with 2_000 spend elsewhere is fully mature: 4_000 + 4_000 + 2_000 (clipped).
    r.rate(client(), T0, 100, 3, facts(client(), acc(9), 9, 2_000), no)
        .unwrap();
    let w = |e: Vec<Event>| match &e[0] {
        Event::Rated(x) => x.weight,
        _ => 0,
    };
    assert_eq!(
        w(
            r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 4_000), no)
                .unwrap()
        ),
        4_000
    );
    assert_eq!(
        w(
            r.rate(client(), T0, 2, 5, facts(client(), payee(), 1, 4_000), no)
                .unwrap()
        ),
        4_000
    );
    assert_eq!(
        w(
            r.rate(client(), T0, 3, 5, facts(client(), payee(), 1, 4_000), no)
                .unwrap()
        ),
        2_000
    );
    assert_eq!(
        r.rate(client(), T0, 4, 5, facts(client(), payee(), 1, 4_000), no),
        Err(Error::EpochRatingCapReached)
    );
    assert!(!r.has_rated(4));
    // Next day, within the window: accepted.
    assert_eq!(
        w(r.rate(
            client(),
            T0 + EPOCH_MS,
            4,
            5,
            facts(client(), payee(), 1, 4_000),
            no
        )
        .unwrap()),
        4_000
    );
}

#[ink::test]
fn spend_counters_refuse_to_overflow() {
    let mut r = setup();
    r.rate(
        client(),
        T0,
        1,
        5,
        facts(client(), payee(), 1, u128::MAX),
        no,
    )
    .unwrap();
    assert_eq!(
        r.rate(client(), T0, 2, 5, facts(client(), acc(9), 2, 1), no),
        Err(Error::Overflow)
    );
    assert!(!r.has_rated(2));
    assert_eq!(r.stats_of(2), None);
}

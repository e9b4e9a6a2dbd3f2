//! Tests of the reputation logic: every method, every rule and every error path.

use crate::data::{ReputationData, ServiceCheck, MAX_RANK_IDS, MAX_REPORT};
use crate::errors::Error;
use crate::events::*;
use gb_interfaces::{AccountId, ChannelFacts, ChannelState, OracleError, Settlement, Timestamp};
use gb_scoring::{ParamError, Params, ServiceStats, EPOCH_MS};
use std::cell::Cell;

/// Reference price of the tests: rating_cap 5_000, epoch_rating_cap 10_000,
/// spend_ref 5_000, settle_cap 5_000, failure_cap 100, floor 30%, window 7 days.
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

/// The defaults for U, except that every service counts as established and a rater's
/// allowance per payee is unbounded (those H1 rules have their own tests in
/// `attack_tests.rs`, which use `Params::for_unit`).
pub fn params() -> Params {
    Params {
        established_mass: 0,
        rater_cap: gb_scoring::MAX_AMOUNT,
        ..Params::for_unit(U)
    }
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
        payer: client,
        payee,
        service_id,
        claimed,
        last_claim_at: T0,
        state: ChannelState::Closed,
    })
}

/// Price per call the tests' registry reports: with `rating_price_calls` 10 a rating
/// counts up to 5_000 = `rating_cap`, so the price cap binds only where a test says so.
pub const PRICE: u128 = 5 * U;

/// The registry's answer for an unaffiliated caller of a service priced `PRICE`.
pub fn no(_: u64) -> crate::Result<ServiceCheck> {
    Ok(ServiceCheck {
        affiliated: false,
        price: Some(PRICE),
    })
}

/// The registry's answer for an affiliated caller.
pub fn yes(_: u64) -> crate::Result<ServiceCheck> {
    Ok(ServiceCheck {
        affiliated: true,
        price: Some(PRICE),
    })
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
            previous_owner: owner(),
            new_owner: acc(9),
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
            service_registry: acc(8),
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

/// Channel `channel_id` of `service_id` had claimed `claimed_before` and now paid `paid`.
fn settlement(service_id: u64, channel_id: u64, claimed_before: u128, paid: u128) -> Settlement {
    Settlement {
        service_id,
        channel_id,
        claimed_before,
        paid,
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
                settlement(1, 10, 0, 300),
                settlement(2, 11, 0, 0),
                settlement(3, 12, 0, 1_000_000),
                settlement(3, 13, 0, 1_000_000),
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
                paid: 2_000_000,
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

/// M1 (security review): a channel's success credit is bounded over its life. 50
/// increasing vouchers of one 2_500 U channel, reported one by one (50 claims) or as
/// one batch entry, add `settle_cap` (50 U) — not 50 × 50 U.
#[ink::test]
fn report_settlements_bounds_a_channel_over_its_life() {
    let cap = params().settle_cap;
    // 50 claims of 50 U each on channel 7, over two days.
    let mut r = setup();
    let mut added = 0;
    for i in 0..50u128 {
        let at = T0 + (i as u64) * EPOCH_MS / 25;
        let events = r
            .report_settlements(escrow(), at, &[settlement(1, 7, 50 * U * i, 50 * U)])
            .unwrap();
        if let Some(Event::FulfillmentRecorded(e)) = events.first() {
            added += e.mass;
        }
    }
    assert_eq!(added, cap);
    // The same channel twice in one report (escrow merges it, but reputation does not
    // rely on that): still at most the cap. (Service 2: ink's off-chain storage is
    // shared by every instance in a test.)
    let events = r
        .report_settlements(
            escrow(),
            T0,
            &[
                settlement(2, 8, 0, 50 * U),
                settlement(2, 8, 50 * U, 50 * U),
            ],
        )
        .unwrap();
    assert_eq!(
        events,
        vec![Event::FulfillmentRecorded(FulfillmentRecorded {
            service_id: 2,
            paid: 100 * U,
            channels: 2,
            mass: cap,
        })]
    );
    assert_eq!(r.stats_of(2).unwrap().slow.success, cap);
}

#[ink::test]
fn report_settlements_only_from_escrow() {
    let mut unwired = ReputationData::new(owner(), registry());
    assert_eq!(
        unwired.report_settlements(escrow(), T0, &[settlement(1, 1, 0, 5)]),
        Err(OracleError::NotEscrow)
    );
    assert_eq!(
        unwired.report_failure(escrow(), T0, 1, client(), 5, EPOCH_MS),
        Err(OracleError::NotEscrow)
    );
    let mut r = setup();
    for caller in [owner(), registry(), client(), payee()] {
        assert_eq!(
            r.report_settlements(caller, T0, &[settlement(1, 1, 0, 5)]),
            Err(OracleError::NotEscrow)
        );
        assert_eq!(
            r.report_failure(caller, T0, 1, client(), 5, EPOCH_MS),
            Err(OracleError::NotEscrow)
        );
    }
    assert_eq!(r.stats_of(1), None);
}

#[ink::test]
fn report_settlements_is_bounded() {
    let mut r = setup();
    let too_many: Vec<_> = (0..=MAX_REPORT as u64)
        .map(|i| settlement(i, i, 0, 1))
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
        r.report_failure(escrow(), T0, 1, client(), 5_000, EPOCH_MS),
        Ok(vec![Event::FailureRecorded(FailureRecorded {
            service_id: 1,
            client: client(),
            locked: 5_000,
            locked_for: EPOCH_MS,
            mass: 100, // failure_cap
        })])
    );
    // Same client, service and day: ignored.
    assert_eq!(
        r.report_failure(escrow(), T0 + 1_000, 1, client(), 5_000, EPOCH_MS),
        Ok(vec![])
    );
    assert_eq!(r.stats_of(1).unwrap().slow.failure, 100);
    // Another client, another service, or the next day: counted.
    assert_eq!(
        r.report_failure(escrow(), T0, 1, acc(9), 40, EPOCH_MS)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        r.report_failure(escrow(), T0, 2, client(), 40, EPOCH_MS)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        r.report_failure(escrow(), T0 + EPOCH_MS, 1, client(), 40, EPOCH_MS)
            .unwrap()
            .len(),
        1
    );
    assert!(r.score_of(1, T0 + EPOCH_MS).fulfillment < r.score_of(3, T0).fulfillment);
}

/// M2: a failure counts in proportion to how long the channel locked its funds, up to
/// `failure_lock_ref` (6 h): a 1 ms channel records nothing (but its report still
/// uses the client's one failure of the day for that service), half of it half.
#[ink::test]
fn report_failure_weighs_the_lock_duration() {
    let mut r = setup();
    let full = params().failure_lock_ref;
    assert_eq!(full, 6 * 3_600_000);
    let recorded = |e: Vec<Event>| match &e[..] {
        [Event::FailureRecorded(f)] => (f.locked_for, f.mass),
        _ => (0, u128::MAX),
    };
    let one_ms = r.report_failure(escrow(), T0, 1, client(), 5_000, 1);
    assert_eq!(one_ms.map(recorded), Ok((1, 0)));
    assert_eq!(r.stats_of(1).unwrap().slow.failure, 0);
    assert_eq!(
        r.report_failure(escrow(), T0, 1, client(), 5_000, full),
        Ok(vec![])
    );
    let half = r.report_failure(escrow(), T0, 2, client(), 5_000, full / 2);
    assert_eq!(half.map(recorded), Ok((full / 2, 50)));
    let long = r.report_failure(escrow(), T0, 3, client(), 5_000, 30 * full);
    assert_eq!(long.map(recorded), Ok((30 * full, 100)));
    let small = r.report_failure(escrow(), T0, 4, client(), 40, full / 4);
    assert_eq!(small.map(recorded), Ok((full / 4, 10)));
    let extreme = r.report_failure(escrow(), T0, 5, client(), u128::MAX, u64::MAX);
    assert_eq!(extreme.map(recorded), Ok((u64::MAX, 100)));
    assert_eq!(r.stats_of(2).unwrap().slow.failure, 50);
}

// ----- reads ------------------------------------------------------------------------

/// M2: the failures of clients at the maturity floor (fresh accounts) count at most
/// `epoch_failure_cap` together per service and day; clients with spend are not capped.
#[ink::test]
fn report_failure_caps_fresh_clients_per_service_and_day() {
    let mut r = setup();
    let cap = params().epoch_failure_cap; // 10_000 = 100 failures of failure_cap
    let mass = |e: Vec<Event>| match &e[..] {
        [Event::FailureRecorded(f)] => f.mass,
        _ => u128::MAX,
    };
    // 120 fresh clients: 100 each, until the day's 10_000 are used up.
    let fresh: u128 = (0u32..120)
        .map(|i| {
            let mut c = [7u8; 32];
            c[..4].copy_from_slice(&i.to_le_bytes());
            mass(
                r.report_failure(escrow(), T0, 5, AccountId::from(c), 5_000, EPOCH_MS)
                    .unwrap(),
            )
        })
        .sum();
    assert_eq!(fresh, cap);
    // A client with rated spend still counts fully on that day; fresh ones again the
    // next day.
    make_mature(&mut r, acc(31), 301);
    assert_eq!(
        r.report_failure(escrow(), T0, 5, acc(31), 5_000, EPOCH_MS)
            .map(mass),
        Ok(100)
    );
    assert_eq!(r.stats_of(5).unwrap().slow.failure, cap + 100);
    let next = r.report_failure(escrow(), T0 + EPOCH_MS, 5, acc(40), 5_000, EPOCH_MS);
    assert_eq!(next.map(mass), Ok(100));
}

#[ink::test]
fn score_of_unknown_services_is_the_prior() {
    let r = setup();
    let prior = ServiceStats::default().score(&params(), 100);
    assert_eq!(r.score_of(42, T0), prior);
    assert_eq!(r.stats_of(42), None);
    assert_eq!(r.rank_scores(&[42, 43], T0), vec![prior.lcb, prior.lcb]);
}

#[ink::test]
fn rank_scores_is_bounded_and_ordered() {
    let mut r = setup();
    r.report_settlements(escrow(), T0, &[settlement(2, 1, 0, 5_000)])
        .unwrap();
    r.report_failure(escrow(), T0, 3, client(), 5_000, EPOCH_MS)
        .unwrap();
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
    // No spend elsewhere: maturity floor 30%, weight 3_000 · 0.3.
    assert_eq!(
        events,
        vec![Event::Rated(Rated {
            service_id: 1,
            client: client(),
            channel_id: 7,
            stars: 5,
            maturity: 300_000,
            weight: 900,
            epoch_share: 1_000_000,
        })]
    );
    assert!(r.has_rated(7));
    assert!(!r.has_rated(8));
    let st = r.stats_of(1).unwrap();
    let (slow, _) = st.with_epoch_ratings(&params());
    assert_eq!((slow.rating_sum, slow.rating_mass), (900, 900));
    assert_eq!(st.epoch_rating_mass(), 900);
    assert!(r.score_of(1, T0).rating_mean > params().prior_mean);
    // The 3_000 now counts as spend elsewhere for any other payee (3_000 / 5_000) ...
    assert_eq!(r.maturity_of(client(), acc(9), T0), 600_000);
    // ... but not for the same payee.
    assert_eq!(r.maturity_of(client(), payee(), T0), 300_000);
}

#[ink::test]
fn rate_by_a_mature_rater_weighs_fully_up_to_the_cap() {
    let mut r = setup();
    // 2_500 rated spend with payee 9: half of spend_ref.
    r.rate(client(), T0, 1, 4, facts(client(), acc(9), 2, 2_500), no)
        .unwrap();
    assert_eq!(r.maturity_of(client(), payee(), T0), 500_000);
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
fn rate_only_by_the_client() {
    let mut r = setup();
    for caller in [acc(9), owner(), escrow()] {
        assert_eq!(
            r.rate(caller, T0, 1, 5, facts(client(), payee(), 1, 100), no),
            Err(Error::NotChannelClient)
        );
    }
    assert!(!r.has_rated(1));
}

/// Issue 18, L9: a channel opened with escrow's `open_channel_for` is rated by its
/// payer, who funded it, not by the client it was opened for, and the spend (maturity)
/// is the payer's: one funded account cannot hand rating rights to unfunded socks.
#[ink::test]
fn rate_only_by_the_payer_of_a_channel_opened_for_another_client() {
    let mut r = setup();
    let sock = acc(9);
    let opened_for = |claimed| {
        facts(sock, payee(), 1, claimed).map(|f| ChannelFacts {
            payer: client(),
            ..f
        })
    };
    assert_eq!(
        r.rate(sock, T0, 1, 5, opened_for(100), no),
        Err(Error::NotChannelClient)
    );
    assert!(!r.has_rated(1));
    r.rate(client(), T0, 1, 5, opened_for(100), no).unwrap();
    assert!(r.has_rated(1));
}

#[ink::test]
fn rate_needs_something_claimed() {
    let mut r = setup();
    assert_eq!(
        r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 0), no),
        Err(Error::NothingClaimed)
    );
}

#[ink::test]
fn rate_within_the_window_after_the_last_claim() {
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
fn rate_refuses_payee_and_affiliates() {
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
        yes(id)
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
fn rate_refused_when_the_registry_fails() {
    let mut r = setup();
    let broken = |_| Err(Error::RegistryCallFailed);
    assert_eq!(
        r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 100), broken),
        Err(Error::RegistryCallFailed)
    );
    assert!(!r.has_rated(1));
}

#[ink::test]
fn rate_asks_the_registry_only_after_the_cheap_checks() {
    let mut r = setup();
    let asked = Cell::new(false);
    let spy = |id| {
        asked.set(true);
        no(id)
    };
    let _ = r.rate(acc(9), T0, 1, 5, facts(client(), payee(), 1, 100), spy);
    assert!(!asked.get());
    // The once-per-(client, payee, epoch) check is a storage read: also before it.
    r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 100), no)
        .unwrap();
    assert_eq!(
        r.rate(client(), T0, 2, 5, facts(client(), payee(), 1, 100), spy),
        Err(Error::AlreadyRatedPayeeThisEpoch)
    );
    assert!(!asked.get());
}

/// Makes `c` fully mature (spend_ref rated spend with payee 9, service 9).
fn make_mature(r: &mut ReputationData, c: AccountId, channel_id: u64) {
    r.rate(c, T0, channel_id, 3, facts(c, acc(9), 9, 5_000), no)
        .unwrap();
    assert_eq!(r.maturity_of(c, payee(), T0), 1_000_000);
}

fn weight(e: Vec<Event>) -> u128 {
    match &e[0] {
        Event::Rated(x) => x.weight,
        _ => 0,
    }
}

/// The Rated event's share of a rating that counts now.
fn share(e: Vec<Event>) -> u32 {
    match &e[0] {
        Event::Rated(x) => x.epoch_share,
        _ => 0,
    }
}

#[ink::test]
fn rate_epoch_cap_scales_the_days_ratings_pro_rata() {
    let mut r = setup();
    // Four fully mature raters of 4_000 each, all 5★: 16_000 at or above the mean
    // this epoch, scaled to the cap of 10_000 — every one keeps the same share.
    let raters = [acc(10), acc(11), acc(12), acc(13)];
    for (i, c) in (100u64..).zip(raters) {
        make_mature(&mut r, c, i);
    }
    let mut rate = |c: AccountId, now: Timestamp, id: u64| {
        r.rate(c, now, id, 5, facts(c, payee(), 1, 4_000), no)
    };
    assert_eq!(rate(raters[0], T0, 1).map(share), Ok(1_000_000));
    assert_eq!(rate(raters[1], T0, 2).map(share), Ok(1_000_000));
    assert_eq!(rate(raters[2], T0, 3).map(share), Ok(833_333));
    assert_eq!(rate(raters[3], T0, 4).map(share), Ok(625_000));
    assert!(r.has_rated(4));
    let score = r.score_of(1, T0);
    assert_eq!(score.rating_mass, 10_000);
    // Next day: the day is folded in (decayed), a new rating counts fully again.
    make_mature(&mut r, acc(14), 104);
    let next = r
        .rate(
            acc(14),
            T0 + EPOCH_MS,
            5,
            5,
            facts(acc(14), payee(), 1, 4_000),
            no,
        )
        .map(share);
    assert_eq!(next, Ok(1_000_000));
}

/// M3 (security review): two mature socks fill the service's daily rating cap with 5★
/// at the start of the epoch; an honest client's 1★ must still land (not
/// `EpochRatingCapReached`) and lower the service's mean.
#[ink::test]
fn rate_a_full_epoch_does_not_censor_later_ratings() {
    let mut r = setup();
    let (sock1, sock2, honest) = (acc(20), acc(21), acc(22));
    for (i, c) in (200u64..).zip([sock1, sock2, honest]) {
        make_mature(&mut r, c, i);
    }
    let cap = params().epoch_rating_cap;
    let socks = |r: &mut ReputationData, c: AccountId, id: u64| {
        r.rate(c, T0, id, 5, facts(c, payee(), 4, 5_000), no)
    };
    socks(&mut r, sock1, 31).unwrap();
    socks(&mut r, sock2, 32).unwrap();
    let before = r.score_of(4, T0).rating_mean;
    let honest_rating = r.rate(honest, T0 + 1, 33, 1, facts(honest, payee(), 4, 5_000), no);
    assert!(matches!(honest_rating.map(weight), Ok(w) if w > 0));
    let after = r.score_of(4, T0).rating_mean;
    assert!(
        after < before,
        "the 1★ lowered the mean: {before} -> {after}"
    );
    // The velocity bound holds per direction: the day's 5★ count at most the cap.
    assert!(r.score_of(4, T0).rating_mass <= 2 * cap);
}

#[ink::test]
fn rate_once_per_client_payee_and_epoch() {
    let mut r = setup();
    let first = r
        .rate(client(), T0, 1, 5, facts(client(), payee(), 1, 1_000), no)
        .unwrap();
    assert_eq!(weight(first), 300); // floor 30%
    let stats_1 = r.stats_of(1);
    let maturity_elsewhere = r.maturity_of(client(), acc(9), T0);
    // A second channel paying the same payee, same epoch: refused, whether it is for
    // the same service or another service of that payee, and even at the last
    // millisecond of the epoch.
    let last_ms = T0 + EPOCH_MS - 1;
    for (id, service, now) in [(2, 1, T0), (3, 2, T0 + 1), (4, 2, last_ms)] {
        assert_eq!(
            r.rate(
                client(),
                now,
                id,
                5,
                facts(client(), payee(), service, 1_000),
                no
            ),
            Err(Error::AlreadyRatedPayeeThisEpoch)
        );
        // Nothing changed: channel not rated, stats and spend untouched.
        assert!(!r.has_rated(id));
    }
    assert_eq!(r.stats_of(1), stats_1);
    assert_eq!(r.stats_of(2), None);
    assert_eq!(r.maturity_of(client(), acc(9), T0), maturity_elsewhere);
    // Same epoch, a different payee: accepted.
    assert!(r
        .rate(client(), T0, 5, 4, facts(client(), acc(9), 9, 1_000), no)
        .is_ok());
    // Same epoch, same payee, another client: accepted.
    assert!(r
        .rate(acc(10), T0, 6, 4, facts(acc(10), payee(), 1, 1_000), no)
        .is_ok());
    // Next epoch, within the window: the refused channel may be rated now, once.
    let next = T0 + EPOCH_MS;
    assert!(r
        .rate(client(), next, 3, 5, facts(client(), payee(), 2, 1_000), no)
        .is_ok());
    assert!(r.has_rated(3));
    assert_eq!(r.stats_of(2).unwrap().epoch_rating_mass(), 300);
    assert_eq!(
        r.rate(client(), next, 4, 5, facts(client(), payee(), 2, 1_000), no),
        Err(Error::AlreadyRatedPayeeThisEpoch)
    );
}

#[ink::test]
fn rate_refused_does_not_use_the_epochs_rating_of_the_payee() {
    let mut r = setup();
    // Refused by the registry (affiliated): nothing recorded ...
    assert_eq!(
        r.rate(client(), T0, 1, 5, facts(client(), payee(), 1, 1_000), yes),
        Err(Error::Affiliated)
    );
    // ... so the same client may still rate that payee in this epoch.
    assert!(r
        .rate(client(), T0, 3, 5, facts(client(), payee(), 1, 1_000), no)
        .is_ok());
}

#[ink::test]
fn rate_spend_counters_refuse_to_overflow() {
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

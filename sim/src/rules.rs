//! The reputation contract's rules in the simulation: the rule sequence itself is
//! `gb_scoring::rules` (`rate`, `failure`), the very functions the contract calls
//! (`reputation/src/data.rs`); this module only keeps the storage they read and write
//! (`RatingBook` over hash maps), the once-per-channel check and the failure
//! de-duplication per (client, service, epoch), as the contract does around them.
//!
//! The rules (see `gb_scoring::rules::rate` for the order): the rater is the channel's
//! client, something was claimed, within the rating window, at most one accepted
//! rating per (client, payee, epoch) (off only to reproduce the `v0` contract), not
//! affiliated; weight `min(claimed, 10 · price, rating_cap, room) · μ` with the
//! rater's allowance `rater_cap` per payee and μ from decayed, establishment-weighted
//! spend with other payees; every rating accepted, the epoch's ratings below and at or
//! above the mean each capped pro rata; failures weigh the client's maturity, the
//! immature clients' at most `epoch_failure_cap` per service and day; a channel's
//! success is bounded over its life.
//!
//! In the simulation every service has its own payee, so payee and service ids
//! coincide.

use crate::config::Proposals;
use gb_scoring::rules::{self, RateError, RatedChannel, RatingBook, Refusal, ServiceCheck};
use gb_scoring::{mul_ppm, Params, Ppm, ServiceStats, Spend};
use std::collections::{HashMap, HashSet};

/// Why a rating was refused (the contract's errors, reduced to what the sim can hit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The channel paid nothing.
    NothingClaimed,
    /// This channel was rated already.
    AlreadyRated,
    /// Outside the rating window.
    WindowClosed,
    /// The rater is the service's owner, org member or payee.
    Affiliated,
    /// Stars outside 1..=5.
    BadStars,
    /// This client had a rating of this payee accepted this epoch already (the
    /// contract's `AlreadyRatedPayeeThisEpoch`; retry later).
    AlreadyRatedPayeeThisEpoch,
    /// Another refusal of the shared rules (not the client's channel, overflow).
    Other,
}

impl From<Refusal> for Refused {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::InvalidStars => Refused::BadStars,
            Refusal::NothingClaimed => Refused::NothingClaimed,
            Refusal::RatingWindowClosed => Refused::WindowClosed,
            Refusal::AlreadyRatedPayeeThisEpoch => Refused::AlreadyRatedPayeeThisEpoch,
            Refusal::Affiliated => Refused::Affiliated,
            Refusal::NotChannelClient | Refusal::Overflow => Refused::Other,
        }
    }
}

/// A channel as the contract sees it through `ChannelLedger::channel_facts`.
#[derive(Clone, Copy, Debug)]
pub struct ChannelFacts {
    /// Escrow's channel id.
    pub id: u64,
    /// The paying client.
    pub client: usize,
    /// The service the channel is for.
    pub service: usize,
    /// The payee the channel pays (maturity is measured per payee).
    pub payee: usize,
    /// Amount claimed by the payee.
    pub claimed: u128,
    /// Time of the last claim (ms).
    pub last_claim_at: u64,
}

/// The contract-side state outside `ServiceStats`.
#[derive(Debug, Default)]
pub struct Rules {
    /// Rule variants under evaluation (default: the contract's rules).
    pub proposals: Proposals,
    rated: HashSet<u64>,
    rated_epoch: HashMap<(usize, usize), u64>,
    failures: HashSet<(usize, usize, u64)>,
    spend_total: HashMap<usize, Spend>,
    spend_with: HashMap<(usize, usize), Spend>,
    given: HashMap<(usize, usize), Spend>,
}

/// An account as the shared rules see it: client accounts and payees are numbered
/// separately in the simulation (a client is never a payee).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Account {
    /// Client account `i`.
    Client(usize),
    /// The payee of service `i`.
    Payee(usize),
}

impl Account {
    fn index(self) -> usize {
        match self {
            Account::Client(i) | Account::Payee(i) => i,
        }
    }
}

impl RatingBook for Rules {
    type Account = Account;

    fn rated_payee_epoch(&self, client: Account, payee: Account) -> Option<u64> {
        if !self.proposals.rating_once_per_epoch {
            return None; // the v0 contract had no such rule
        }
        let key = (client.index(), payee.index());
        self.rated_epoch.get(&key).copied()
    }

    fn spend_total(&self, client: Account) -> Spend {
        let key = client.index();
        self.spend_total.get(&key).copied().unwrap_or_default()
    }

    fn spend_with(&self, client: Account, payee: Account) -> Spend {
        let key = (client.index(), payee.index());
        self.spend_with.get(&key).copied().unwrap_or_default()
    }

    fn given(&self, client: Account, payee: Account) -> Spend {
        let key = (client.index(), payee.index());
        self.given.get(&key).copied().unwrap_or_default()
    }
}

impl Rules {
    /// What `client` paid (establishment-weighted, decayed to `now_ms`) in channels it
    /// rated to payees other than `payee`.
    pub fn other_spend(&self, params: &Params, client: usize, payee: usize, now_ms: u64) -> u128 {
        let e = gb_scoring::epoch_of(now_ms);
        let (c, p) = (Account::Client(client), Account::Payee(payee));
        let total = RatingBook::spend_total(self, c).at(params, e);
        total.saturating_sub(self.spend_with(c, p).at(params, e))
    }

    /// Rules with the given variants (`Proposals::default()`: the contract's rules).
    pub fn with(proposals: Proposals) -> Self {
        Rules {
            proposals,
            ..Rules::default()
        }
    }

    /// The maturity (with the floor) a rating by `client` of `payee` would get at
    /// `now_ms`.
    pub fn maturity_of(&self, params: &Params, client: usize, payee: usize, now_ms: u64) -> Ppm {
        let (c, p) = (Account::Client(client), Account::Payee(payee));
        self.maturity_for(params, c, p, gb_scoring::epoch_of(now_ms))
    }

    /// The contract's `rate`: the once-per-channel check here, then the shared rules
    /// (`gb_scoring::rules::rate`, the very function the contract calls) with the
    /// registry's answer (`affiliated`, the service's `price`). Returns the weight and
    /// what of it counts now (its share of the epoch's pro-rata cap).
    #[allow(clippy::too_many_arguments)] // the contract's inputs, named at the call site
    pub fn rate(
        &mut self,
        params: &Params,
        stats: &mut ServiceStats,
        facts: ChannelFacts,
        affiliated: bool,
        price: u128,
        stars: u8,
        now_ms: u64,
    ) -> Result<(u128, u128), Refused> {
        if self.rated.contains(&facts.id) {
            return Err(Refused::AlreadyRated);
        }
        let caller = Account::Client(facts.client);
        let channel = RatedChannel {
            client: caller,
            payee: Account::Payee(facts.payee),
            claimed: facts.claimed,
            last_claim_at: facts.last_claim_at,
        };
        let check = || {
            Ok::<_, ()>(ServiceCheck {
                affiliated,
                price: Some(price),
            })
        };
        let rating = rules::rate(params, self, caller, channel, *stats, stars, now_ms, check)
            .map_err(|e| match e {
                RateError::Refused(r) => Refused::from(r),
                RateError::Service(()) => Refused::Other,
            })?;
        let key = (facts.client, facts.payee);
        *stats = rating.stats;
        self.rated.insert(facts.id);
        self.rated_epoch.insert(key, rating.epoch);
        self.spend_total.insert(facts.client, rating.spend_total);
        self.spend_with.insert(key, rating.spend_with);
        self.given.insert(key, rating.given);
        Ok((rating.weight, mul_ppm(rating.weight, rating.epoch_share)))
    }

    /// The contract's `report_failure`: once per (client, service, epoch), then the
    /// shared rule (`gb_scoring::rules::failure`: the capped lock weighed by
    /// `min(1, locked_for / failure_lock_ref)`). Returns the failure mass added (0 for
    /// a duplicate).
    #[allow(clippy::too_many_arguments)] // the contract message's inputs plus state
    pub fn report_failure(
        &mut self,
        params: &Params,
        stats: &mut ServiceStats,
        client: usize,
        service: usize,
        locked: u128,
        locked_for: u64,
        now_ms: u64,
    ) -> u128 {
        let epoch = gb_scoring::epoch_of(now_ms);
        if !self.failures.insert((client, service, epoch)) {
            return 0;
        }
        let spend = RatingBook::spend_total(self, Account::Client(client));
        rules::failure(params, stats, spend, locked, locked_for, now_ms)
    }

    /// The contract's `report_settlements` for one channel: success bounded over the
    /// channel's life (`ServiceStats::add_channel_settlement`).
    pub fn report_settlement(
        &mut self,
        params: &Params,
        stats: &mut ServiceStats,
        claimed_before: u128,
        paid: u128,
        now_ms: u64,
    ) -> u128 {
        let epoch = gb_scoring::epoch_of(now_ms);
        stats.add_channel_settlement(params, epoch, claimed_before, paid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A price high enough that the 10-call price cap never binds here.
    const PRICE: u128 = 1_000_000_000_000;

    /// The defaults, with every service established and no per-payee allowance: the
    /// tests below are about the rule order and maturity; those H1 rules are tested in
    /// `gb_scoring` and the contract.
    fn params() -> Params {
        Params {
            established_mass: 0,
            rater_cap: gb_scoring::MAX_AMOUNT,
            ..Params::default()
        }
    }

    fn facts(id: u64, client: usize, service: usize, claimed: u128) -> ChannelFacts {
        ChannelFacts {
            id,
            client,
            service,
            payee: service,
            claimed,
            last_claim_at: 0,
        }
    }

    #[test]
    fn rating_rules_refuse_what_the_contract_refuses() {
        let p = params();
        let mut r = Rules::default();
        let mut st = ServiceStats::default();
        let u = p.unit;
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, 0), false, PRICE, 5, 0),
            Err(Refused::NothingClaimed)
        );
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, u), true, PRICE, 5, 0),
            Err(Refused::Affiliated)
        );
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, u), false, PRICE, 6, 0),
            Err(Refused::BadStars)
        );
        assert_eq!(
            r.rate(
                &p,
                &mut st,
                facts(1, 0, 0, u),
                false,
                PRICE,
                5,
                p.rating_window_ms + 1
            ),
            Err(Refused::WindowClosed)
        );
        // No spend elsewhere: the maturity floor (30 %) applies.
        let w = r.rate(&p, &mut st, facts(1, 0, 0, u), false, PRICE, 5, 0);
        assert_eq!(w, Ok((3 * u / 10, 3 * u / 10)));
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, u), false, PRICE, 5, 0),
            Err(Refused::AlreadyRated)
        );
        assert_eq!(r.other_spend(&p, 0, 0, 0), 0);
        assert_eq!(r.other_spend(&p, 0, 1, 0), u);
    }

    #[test]
    fn maturity_grows_with_spend_elsewhere() {
        let p = params();
        let mut r = Rules::default();
        let (mut a, mut b) = (ServiceStats::default(), ServiceStats::default());
        let u = p.unit;
        let spend_ref_calls = (p.spend_ref / u) as u64;
        // One channel each with spend_ref / U other payees (one rating per payee a day).
        for id in 0..spend_ref_calls {
            r.rate(
                &p,
                &mut a,
                facts(id, 7, 10 + id as usize, u),
                false,
                PRICE,
                3,
                0,
            )
            .unwrap();
        }
        // Fully mature towards service 1 now: weight = claimed.
        let w = r.rate(&p, &mut b, facts(999, 7, 1, u), false, PRICE, 5, 0);
        assert_eq!(w, Ok((u, u)));
    }

    /// Makes `client` fully mature: `spend_ref` rated spend, one U with each of
    /// `spend_ref / U` payees (1000, 1001, …), at time 0.
    fn mature(r: &mut Rules, p: &Params, client: usize, first_id: u64) {
        let n = (p.spend_ref / p.unit) as u64;
        for i in 0..n {
            let mut elsewhere = ServiceStats::default();
            let f = facts(first_id + i, client, 1000 + i as usize, p.unit);
            r.rate(p, &mut elsewhere, f, false, PRICE, 3, 0).unwrap();
        }
        assert_eq!(r.maturity_of(p, client, 0, 0), gb_scoring::PPM);
    }

    #[test]
    fn full_epoch_scales_instead_of_refusing() {
        let mut p = params();
        p.epoch_rating_cap = p.unit;
        let mut r = Rules::default();
        let mut st = ServiceStats::default();
        let u = p.unit;
        mature(&mut r, &p, 1, 1_000);
        mature(&mut r, &p, 2, 2_000);
        // Mature client: weight u, the cap u fills at once.
        assert_eq!(
            r.rate(&p, &mut st, facts(100, 1, 0, u), false, PRICE, 5, 0),
            Ok((u, u))
        );
        // The second is accepted; the day's two share the cap (half each).
        assert_eq!(
            r.rate(&p, &mut st, facts(101, 2, 0, u), false, PRICE, 5, 0),
            Ok((u, u / 2))
        );
    }

    #[test]
    fn one_rating_per_client_payee_and_epoch_unless_v0() {
        let p = params();
        let u = p.unit;
        let day = crate::config::DAY_MS;
        let mut r = Rules::default();
        let (mut st, mut other) = (ServiceStats::default(), ServiceStats::default());
        assert!(r
            .rate(&p, &mut st, facts(1, 1, 0, u), false, PRICE, 5, 0)
            .is_ok());
        assert_eq!(
            r.rate(&p, &mut st, facts(2, 1, 0, u), false, PRICE, 5, day - 1),
            Err(Refused::AlreadyRatedPayeeThisEpoch)
        );
        // Another payee, another client, or the next epoch: accepted.
        assert!(r
            .rate(&p, &mut other, facts(3, 1, 1, u), false, PRICE, 5, 0)
            .is_ok());
        assert!(r
            .rate(&p, &mut st, facts(4, 2, 0, u), false, PRICE, 5, 0)
            .is_ok());
        assert!(r
            .rate(&p, &mut st, facts(2, 1, 0, u), false, PRICE, 5, day)
            .is_ok());
        // The v0 contract had no such rule.
        let mut v0 = Rules::with(Proposals {
            rating_once_per_epoch: false,
            ..Proposals::default()
        });
        let mut st = ServiceStats::default();
        assert!(v0
            .rate(&p, &mut st, facts(1, 1, 0, u), false, PRICE, 5, 0)
            .is_ok());
        assert!(v0
            .rate(&p, &mut st, facts(2, 1, 0, u), false, PRICE, 5, 0)
            .is_ok());
    }

    #[test]
    fn failures_count_once_per_client_service_epoch() {
        let p = params();
        let mut r = Rules::default();
        let mut st = ServiceStats::default();
        let u = p.unit;
        let day = crate::config::DAY_MS;
        assert_eq!(r.report_failure(&p, &mut st, 1, 2, u, day, 0), u);
        assert_eq!(r.report_failure(&p, &mut st, 1, 2, u, day, 1000), 0);
        assert_eq!(r.report_failure(&p, &mut st, 3, 2, u, day, 1000), u);
        assert_eq!(
            r.report_failure(&p, &mut st, 1, 2, 100 * u, day, day),
            p.failure_cap
        );
        // The lock duration weighs it (security review M2): 1 ms nothing, half the
        // reference half.
        let full = p.failure_lock_ref;
        assert_eq!(r.report_failure(&p, &mut st, 4, 2, u, 1, day), 0);
        assert_eq!(r.report_failure(&p, &mut st, 5, 2, u, full / 2, day), u / 2);
        // A channel's success is bounded over its life.
        assert_eq!(r.report_settlement(&p, &mut st, 0, 3 * u, 0), 3 * u);
        let cap = p.settle_cap;
        assert_eq!(
            r.report_settlement(&p, &mut st, 3 * u, 2 * cap, 0),
            cap - 3 * u
        );
    }
}

//! Mirror of the reputation contract's rules that live outside `gb-scoring`
//! (`reputation/src`): who may rate, how often, how failures are de-duplicated and how
//! rater maturity is measured. The arithmetic itself is `gb-scoring`, called verbatim.
//!
//! Mirrored rules:
//! * A rating needs a channel whose client is the rater, with `claimed > 0`, rated at
//!   most once, within `rating_window_ms` of the channel's last claim, by an account
//!   that is not affiliated with the service (owner, org member, payee).
//! * Rater maturity: `other_spend` is what the rater paid, over channels it rated
//!   before, to payees other than this channel's payee (the contract learns spend
//!   from the channels it sees at rating time; escrow's settlement reports carry no
//!   client). It is taken before the current channel is added.
//! * At most one accepted rating per (client, payee, epoch), over all the payee's
//!   services (`AlreadyRatedPayeeThisEpoch`, checked before the affiliation and the
//!   epoch cap); the refused rating records nothing, so the client may retry in a later
//!   epoch within the window. Switched off only to reproduce the `v0` contract.
//! * Every rating that passes these checks is accepted: the epoch's ratings below and
//!   at or above the service's mean each count at most `epoch_rating_cap`, pro rata
//!   (`ServiceStats::add_rating`; the contract refused ratings once the cap was full
//!   until security review M3).
//! * A failure (channel expired with nothing claimed) counts at most once per
//!   (client, service, epoch).
//!
//! In the simulation every service has its own payee, so payee and service ids
//! coincide.

use crate::config::Proposals;
use gb_scoring::{maturity, mul_ppm, rating_weight, stars_to_ppm, Params, Ppm, ServiceStats};
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
    spend_total: HashMap<usize, u128>,
    spend_with: HashMap<(usize, usize), u128>,
}

impl Rules {
    /// What `client` paid (in channels it rated) to payees other than `payee`.
    pub fn other_spend(&self, client: usize, payee: usize) -> u128 {
        let total = self.spend_total.get(&client).copied().unwrap_or(0);
        let here = self.spend_with.get(&(client, payee)).copied().unwrap_or(0);
        total.saturating_sub(here)
    }

    /// Rules with the given variants (`Proposals::default()`: the contract's rules).
    pub fn with(proposals: Proposals) -> Self {
        Rules {
            proposals,
            ..Rules::default()
        }
    }

    /// The maturity (with the floor) a rating by `client` of `payee` would get now.
    pub fn maturity_of(&self, params: &Params, client: usize, payee: usize) -> Ppm {
        maturity(self.other_spend(client, payee), params.spend_ref).max(params.min_maturity)
    }

    /// The contract's `rate`: checks, weighs and records a rating. Returns the weight
    /// and what of it was added to the service's accumulators (less when the epoch's
    /// rating cap is used up).
    pub fn rate(
        &mut self,
        params: &Params,
        stats: &mut ServiceStats,
        facts: ChannelFacts,
        affiliated: bool,
        stars: u8,
        now_ms: u64,
    ) -> Result<(u128, u128), Refused> {
        if facts.claimed == 0 {
            return Err(Refused::NothingClaimed);
        }
        if self.rated.contains(&facts.id) {
            return Err(Refused::AlreadyRated);
        }
        if now_ms > facts.last_claim_at.saturating_add(params.rating_window_ms) {
            return Err(Refused::WindowClosed);
        }
        let epoch = gb_scoring::epoch_of(now_ms);
        if self.proposals.rating_once_per_epoch
            && self.rated_epoch.get(&(facts.client, facts.payee)) == Some(&epoch)
        {
            return Err(Refused::AlreadyRatedPayeeThisEpoch);
        }
        if affiliated {
            return Err(Refused::Affiliated);
        }
        let x = stars_to_ppm(stars).ok_or(Refused::BadStars)?;
        self.rated_epoch.insert((facts.client, facts.payee), epoch);
        let other = self.other_spend(facts.client, facts.payee);
        let (w, _mu) = rating_weight(params, facts.claimed, other);
        let added = mul_ppm(w, stats.add_rating(params, epoch, w, x));
        self.rated.insert(facts.id);
        let t = self.spend_total.entry(facts.client).or_insert(0);
        *t = t.saturating_add(facts.claimed);
        let h = self
            .spend_with
            .entry((facts.client, facts.payee))
            .or_insert(0);
        *h = h.saturating_add(facts.claimed);
        Ok((w, added))
    }

    /// The contract's `report_failure`: once per (client, service, epoch). Returns the
    /// failure mass added (0 for a duplicate).
    pub fn report_failure(
        &mut self,
        params: &Params,
        stats: &mut ServiceStats,
        client: usize,
        service: usize,
        locked: u128,
        now_ms: u64,
    ) -> u128 {
        let epoch = gb_scoring::epoch_of(now_ms);
        if !self.failures.insert((client, service, epoch)) {
            return 0;
        }
        let locked = if self.proposals.failure_maturity {
            let mu = maturity(self.other_spend(client, service), params.spend_ref);
            mul_ppm(locked.min(params.failure_cap), mu)
        } else {
            locked
        };
        stats.add_failure(params, epoch, locked)
    }

    /// The contract's `report_settlements` for one service.
    pub fn report_settlement(
        &mut self,
        params: &Params,
        stats: &mut ServiceStats,
        paid: u128,
        channels: u32,
        now_ms: u64,
    ) -> u128 {
        stats.add_settlement(params, gb_scoring::epoch_of(now_ms), paid, channels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p = Params::default();
        let mut r = Rules::default();
        let mut st = ServiceStats::default();
        let u = p.unit;
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, 0), false, 5, 0),
            Err(Refused::NothingClaimed)
        );
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, u), true, 5, 0),
            Err(Refused::Affiliated)
        );
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, u), false, 6, 0),
            Err(Refused::BadStars)
        );
        assert_eq!(
            r.rate(
                &p,
                &mut st,
                facts(1, 0, 0, u),
                false,
                5,
                p.rating_window_ms + 1
            ),
            Err(Refused::WindowClosed)
        );
        // No spend elsewhere: the maturity floor (30 %) applies.
        let w = r.rate(&p, &mut st, facts(1, 0, 0, u), false, 5, 0);
        assert_eq!(w, Ok((3 * u / 10, 3 * u / 10)));
        assert_eq!(
            r.rate(&p, &mut st, facts(1, 0, 0, u), false, 5, 0),
            Err(Refused::AlreadyRated)
        );
        assert_eq!(r.other_spend(0, 0), 0);
        assert_eq!(r.other_spend(0, 1), u);
    }

    #[test]
    fn maturity_grows_with_spend_elsewhere() {
        let p = Params::default();
        let mut r = Rules::default();
        let (mut a, mut b) = (ServiceStats::default(), ServiceStats::default());
        let u = p.unit;
        let spend_ref_calls = (p.spend_ref / u) as u64;
        // One channel each with spend_ref / U other payees (one rating per payee a day).
        for id in 0..spend_ref_calls {
            r.rate(&p, &mut a, facts(id, 7, 10 + id as usize, u), false, 3, 0)
                .unwrap();
        }
        // Fully mature towards service 1 now: weight = claimed.
        let w = r.rate(&p, &mut b, facts(999, 7, 1, u), false, 5, 0);
        assert_eq!(w, Ok((u, u)));
    }

    /// Makes `client` fully mature: `spend_ref` rated spend, one U with each of
    /// `spend_ref / U` payees (1000, 1001, …), at time 0.
    fn mature(r: &mut Rules, p: &Params, client: usize, first_id: u64) {
        let n = (p.spend_ref / p.unit) as u64;
        for i in 0..n {
            let mut elsewhere = ServiceStats::default();
            let f = facts(first_id + i, client, 1000 + i as usize, p.unit);
            r.rate(p, &mut elsewhere, f, false, 3, 0).unwrap();
        }
        assert_eq!(r.maturity_of(p, client, 0), gb_scoring::PPM);
    }

    #[test]
    fn full_epoch_scales_instead_of_refusing() {
        let mut p = Params::default();
        p.epoch_rating_cap = p.unit;
        let mut r = Rules::default();
        let mut st = ServiceStats::default();
        let u = p.unit;
        mature(&mut r, &p, 1, 1_000);
        mature(&mut r, &p, 2, 2_000);
        // Mature client: weight u, the cap u fills at once.
        assert_eq!(
            r.rate(&p, &mut st, facts(100, 1, 0, u), false, 5, 0),
            Ok((u, u))
        );
        // The second is accepted; the day's two share the cap (half each).
        assert_eq!(
            r.rate(&p, &mut st, facts(101, 2, 0, u), false, 5, 0),
            Ok((u, u / 2))
        );
    }

    #[test]
    fn one_rating_per_client_payee_and_epoch_unless_v0() {
        let p = Params::default();
        let u = p.unit;
        let day = crate::config::DAY_MS;
        let mut r = Rules::default();
        let (mut st, mut other) = (ServiceStats::default(), ServiceStats::default());
        assert!(r.rate(&p, &mut st, facts(1, 1, 0, u), false, 5, 0).is_ok());
        assert_eq!(
            r.rate(&p, &mut st, facts(2, 1, 0, u), false, 5, day - 1),
            Err(Refused::AlreadyRatedPayeeThisEpoch)
        );
        // Another payee, another client, or the next epoch: accepted.
        assert!(r
            .rate(&p, &mut other, facts(3, 1, 1, u), false, 5, 0)
            .is_ok());
        assert!(r.rate(&p, &mut st, facts(4, 2, 0, u), false, 5, 0).is_ok());
        assert!(r
            .rate(&p, &mut st, facts(2, 1, 0, u), false, 5, day)
            .is_ok());
        // The v0 contract had no such rule.
        let mut v0 = Rules::with(Proposals {
            rating_once_per_epoch: false,
            ..Proposals::default()
        });
        let mut st = ServiceStats::default();
        assert!(v0.rate(&p, &mut st, facts(1, 1, 0, u), false, 5, 0).is_ok());
        assert!(v0.rate(&p, &mut st, facts(2, 1, 0, u), false, 5, 0).is_ok());
    }

    #[test]
    fn failures_count_once_per_client_service_epoch() {
        let p = Params::default();
        let mut r = Rules::default();
        let mut st = ServiceStats::default();
        let u = p.unit;
        assert_eq!(r.report_failure(&p, &mut st, 1, 2, u, 0), u);
        assert_eq!(r.report_failure(&p, &mut st, 1, 2, u, 1000), 0);
        assert_eq!(r.report_failure(&p, &mut st, 3, 2, u, 1000), u);
        assert_eq!(
            r.report_failure(&p, &mut st, 1, 2, 100 * u, crate::config::DAY_MS),
            p.failure_cap
        );
        assert_eq!(r.report_settlement(&p, &mut st, 3 * u, 2, 0), 3 * u);
    }
}

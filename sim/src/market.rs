//! The market: services with hidden quality and price, client accounts, channels with
//! batched claims, ratings and expiries delivered in time order, and the score cache.
//! Agents' behaviour (honest clients, attackers) is in `agents.rs`; measurement in
//! `metrics.rs`.

use crate::config::{Config, Policy};
use crate::rules::{ChannelFacts, Refused, Rules};
use gb_scoring::{epoch_of, value, Score, ServiceStats};
use std::collections::VecDeque;

/// What kind of provider a service belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Honest provider.
    Honest,
    /// Service of an attacker group (index into `Market::groups`).
    Attacker(usize),
    /// Honest until `switch_at` (call index), then bad.
    Milker { switch_at: usize },
    /// The good newcomer of the newcomer scenario.
    Newcomer,
}

/// One registered service.
#[derive(Clone, Debug)]
pub struct Service {
    /// Hidden quality now: probability of delivering, and the mean of the stars.
    pub q: f64,
    /// Price per call (plancks).
    pub price: u128,
    /// False once re-registered away (whitewashing); inactive services are not listed.
    pub active: bool,
    /// Which kind of provider.
    pub kind: Kind,
    /// The accumulators the reputation contract stores.
    pub stats: ServiceStats,
    score: Score,
    value_key: f64,
    score_epoch: u64,
    dirty: bool,
    /// Sum and count of all stars given (the plain-mean baseline).
    pub star_sum: u64,
    /// Number of stars given.
    pub star_n: u64,
    /// Paid to it by honest clients (gross, plancks).
    pub honest_paid: u128,
    /// Honest calls it served (delivered or not).
    pub honest_calls: u64,
    /// Honest call index at which it registered.
    pub joined: usize,
    /// Its gateway closes unserved channels before expiry (no failure is reported).
    pub dodges_failures: bool,
}

impl Service {
    /// A fresh service (prior score).
    pub fn new(q: f64, price: u128, kind: Kind, joined: usize) -> Self {
        Service {
            q,
            price,
            active: true,
            kind,
            stats: ServiceStats::default(),
            score: Score::default(),
            value_key: 0.0,
            score_epoch: 0,
            dirty: true,
            star_sum: 0,
            star_n: 0,
            honest_paid: 0,
            honest_calls: 0,
            joined,
            dodges_failures: false,
        }
    }

    /// Malicious at honest call `t` (attackers always, milkers after their switch).
    pub fn malicious(&self, t: usize) -> bool {
        match self.kind {
            Kind::Attacker(_) => true,
            Kind::Milker { switch_at } => t >= switch_at,
            Kind::Honest | Kind::Newcomer => false,
        }
    }

    /// The group owning it, if an attacker's.
    pub fn group(&self) -> Option<usize> {
        match self.kind {
            Kind::Attacker(g) => Some(g),
            _ => None,
        }
    }

    /// The cached score (call `Market::refresh` first).
    pub fn score(&self) -> &Score {
        &self.score
    }
}

/// A client account: honest (no group) or an attacker's.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    /// Attacker group, if any.
    pub group: Option<usize>,
}

/// A paid channel waiting for its provider's next batch claim.
#[derive(Clone, Copy, Debug)]
struct PendingClaim {
    channel: u64,
    client: usize,
    service: usize,
    paid: u128,
    /// Stars the client will give after the claim (None: will not rate).
    stars: Option<u8>,
}

/// Money and counts per attacker group.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Net revenue (after fee) from honest clients.
    pub honest_revenue: u128,
    /// What the attack cost: fees on self-payments, full payments to others.
    pub cost: u128,
}

/// The whole market state of one run.
pub struct Market {
    /// The run's configuration.
    pub cfg: Config,
    /// Every service ever registered (ids are indices, never reused).
    pub services: Vec<Service>,
    /// Every client account (honest ones first).
    pub accounts: Vec<Account>,
    /// Per attacker group: money.
    pub ledgers: Vec<Ledger>,
    /// Contract-side rule state.
    pub rules: Rules,
    pending: Vec<PendingClaim>,
    rate_q: VecDeque<(u64, ChannelFacts, u8)>,
    retry_q: VecDeque<(u64, ChannelFacts, u8)>,
    /// Failure reports due: (at, client, service, locked, locked_for), in time order.
    fail_q: VecDeque<(u64, usize, usize, u128, u64)>,
    next_claim: u64,
    next_channel: u64,
    /// Current time (ms).
    pub now: u64,
    /// Current honest call index.
    pub t: usize,
    /// Score of a fresh identity at the current epoch (the prior's).
    pub prior: Score,
    /// Ratings refused by the rules (diagnostics).
    pub refused: u64,
    /// Rating mass clipped by the per-epoch cap (diagnostics, plancks).
    pub clipped: u128,
    /// Failure mass recorded from attacker accounts' channels (plancks).
    pub attack_failure: u128,
}

impl Market {
    /// An empty market (services and accounts are added by `agents::setup`).
    pub fn new(cfg: Config) -> Self {
        let prior = ServiceStats::default().score(&cfg.params, 0);
        let next_claim = cfg.claim_every_ms;
        let proposals = cfg.proposals;
        Market {
            cfg,
            services: Vec::new(),
            accounts: Vec::new(),
            ledgers: Vec::new(),
            rules: Rules::with(proposals),
            pending: Vec::new(),
            rate_q: VecDeque::new(),
            retry_q: VecDeque::new(),
            fail_q: VecDeque::new(),
            next_claim,
            next_channel: 1,
            now: 0,
            t: 0,
            prior,
            refused: 0,
            clipped: 0,
            attack_failure: 0,
        }
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        epoch_of(self.now)
    }

    /// Fee escrow takes from a claim of `paid`.
    pub fn fee(&self, paid: u128) -> u128 {
        paid.saturating_mul(u128::from(self.cfg.fee_bps)) / 10_000
    }

    /// Price in reference units U.
    pub fn price_u(&self, s: usize) -> f64 {
        self.services[s].price as f64 / self.cfg.params.unit as f64
    }

    /// A client's utility of calling service `s`: `worth·q − price/U`.
    pub fn utility(&self, s: usize) -> f64 {
        self.cfg.worth * self.services[s].q - self.price_u(s)
    }

    /// Adds an account and returns its id.
    pub fn add_account(&mut self, group: Option<usize>) -> usize {
        self.accounts.push(Account { group });
        self.accounts.len() - 1
    }

    /// Registers a service and returns its id.
    pub fn add_service(&mut self, q: f64, price: u128, kind: Kind) -> usize {
        self.services.push(Service::new(q, price, kind, self.t));
        self.services.len() - 1
    }

    /// A client opens a channel with `service` locking `deposit` and makes one call
    /// (`call = true`) or none (griefing). If the service delivers (`delivered`), the
    /// client signs a voucher for the price and the gateway claims it in its next
    /// batch; the client then rates with `stars` (if Some). Otherwise the channel
    /// expires and escrow reports a failure. Returns true if the call was paid.
    pub fn open_channel(
        &mut self,
        client: usize,
        service: usize,
        deposit: u128,
        delivered: bool,
        stars: Option<u8>,
    ) -> bool {
        let paid = self.services[service].price.min(deposit);
        self.open_channel_paying(client, service, deposit, paid, delivered, stars)
    }

    /// Like `open_channel`, but a delivered channel's voucher is for `paid` (escrow
    /// accepts any amount up to the deposit: a self-dealer's 50-call voucher).
    pub fn open_channel_paying(
        &mut self,
        client: usize,
        service: usize,
        deposit: u128,
        paid: u128,
        delivered: bool,
        stars: Option<u8>,
    ) -> bool {
        let channel = self.next_channel;
        self.next_channel += 1;
        if delivered {
            self.pending.push(PendingClaim {
                channel,
                client,
                service,
                paid: paid.min(deposit),
                stars,
            });
        } else if !self.services[service].dodges_failures {
            let lock = self.cfg.expiry_ms;
            self.schedule_failure(client, service, deposit, lock);
        }
        delivered
    }

    /// A griefer's channel: `client` locks `deposit` with `service` for `lock_ms`,
    /// never calls, and refunds it at expiry; escrow then reports a failure of
    /// `deposit` locked for `lock_ms` (unless the payee dodges by closing early).
    pub fn open_unused_channel(
        &mut self,
        client: usize,
        service: usize,
        deposit: u128,
        lock_ms: u64,
    ) {
        self.next_channel += 1;
        if !self.services[service].dodges_failures {
            self.schedule_failure(client, service, deposit, lock_ms.max(1));
        }
    }

    /// Queues the failure report of a channel opened now and refunded at its expiry,
    /// `lock_ms` later, keeping the queue in time order.
    fn schedule_failure(&mut self, client: usize, service: usize, locked: u128, lock_ms: u64) {
        let entry = (self.now + lock_ms, client, service, locked, lock_ms);
        let at = self.fail_q.partition_point(|e| e.0 <= entry.0);
        self.fail_q.insert(at, entry);
    }

    /// Delivers every claim batch, failure report and rating due up to `self.now`,
    /// in time order.
    pub fn process_due(&mut self) {
        loop {
            let tf = self.fail_q.front().map_or(u64::MAX, |e| e.0);
            let tr = self.rate_q.front().map_or(u64::MAX, |e| e.0);
            let ty = self.retry_q.front().map_or(u64::MAX, |e| e.0);
            let tc = self.next_claim;
            let t = tc.min(tf).min(tr).min(ty);
            if t > self.now {
                break;
            }
            if tc == t {
                self.claim_batch(t);
                self.next_claim += self.cfg.claim_every_ms;
            } else if tf == t {
                if let Some((at, client, service, locked, locked_for)) = self.fail_q.pop_front() {
                    let p = self.cfg.params;
                    let svc = &mut self.services[service];
                    let mass = self.rules.report_failure(
                        &p,
                        &mut svc.stats,
                        client,
                        service,
                        locked,
                        locked_for,
                        at,
                    );
                    svc.dirty = true;
                    if self.accounts[client].group.is_some() {
                        self.attack_failure = self.attack_failure.saturating_add(mass);
                    }
                }
            } else if tr == t {
                if let Some((at, facts, stars)) = self.rate_q.pop_front() {
                    self.deliver_rating(at, facts, stars, true);
                }
            } else if let Some((at, facts, stars)) = self.retry_q.pop_front() {
                self.deliver_rating(at, facts, stars, false);
            }
        }
    }

    /// All gateways claim their pending channels: one settlement per channel (as
    /// escrow reports a batch), then the clients' ratings are scheduled.
    fn claim_batch(&mut self, at: u64) {
        if self.pending.is_empty() {
            return;
        }
        let mut batch = std::mem::take(&mut self.pending);
        batch.sort_by_key(|c| (c.service, c.channel));
        let p = self.cfg.params;
        // One settlement per channel (escrow reports each with what it had claimed
        // before; a simulated channel is claimed once).
        for c in &batch {
            let paid = if self.cfg.proposals.settle_maturity {
                let mu = self.rules.maturity_of(&p, c.client, c.service, at);
                gb_scoring::mul_ppm(c.paid.min(p.settle_cap), mu)
            } else {
                c.paid
            };
            let svc = &mut self.services[c.service];
            self.rules
                .report_settlement(&p, &mut svc.stats, 0, paid, at);
            svc.dirty = true;
        }
        for c in &batch {
            let net = c.paid - self.fee(c.paid);
            let honest_client = self.accounts[c.client].group.is_none();
            let svc = &mut self.services[c.service];
            if honest_client {
                svc.honest_paid = svc.honest_paid.saturating_add(c.paid);
                if let Some(g) = svc.group() {
                    self.ledgers[g].honest_revenue += net;
                }
            }
            if let Some(stars) = c.stars {
                let facts = ChannelFacts {
                    id: c.channel,
                    client: c.client,
                    service: c.service,
                    payee: c.service,
                    claimed: c.paid,
                    last_claim_at: at,
                };
                self.rate_q
                    .push_back((at + self.cfg.rate_delay_ms, facts, stars));
            }
        }
        self.pending = batch;
        self.pending.clear();
    }

    /// The client rates a claimed channel through the contract's rules; a rating
    /// refused for the epoch cap or because the client rated this payee this epoch
    /// already is retried once a day while the window is open.
    fn deliver_rating(&mut self, at: u64, facts: ChannelFacts, stars: u8, first: bool) {
        let p = self.cfg.params;
        let svc = &mut self.services[facts.service];
        if first {
            svc.star_sum += u64::from(stars);
            svc.star_n += 1;
        }
        // Registry affiliation: only the owner, org members and payee are affiliated;
        // simulated client accounts (sybils included) never are.
        let price = svc.price;
        match self
            .rules
            .rate(&p, &mut svc.stats, facts, false, price, stars, at)
        {
            Ok((weight, added)) => {
                svc.dirty = true;
                self.clipped = self.clipped.saturating_add(weight - added);
            }
            Err(Refused::AlreadyRatedPayeeThisEpoch) => {
                let next = (epoch_of(at) + 1) * crate::config::DAY_MS + 1;
                if next <= facts.last_claim_at + p.rating_window_ms {
                    self.retry_q.push_back((next, facts, stars));
                } else {
                    self.refused += 1;
                }
            }
            Err(_) => self.refused += 1,
        }
    }

    /// Recomputes the cached score of every listed service whose stats changed or
    /// whose epoch is stale (scores change only then), and the prior's score.
    pub fn refresh(&mut self) {
        let epoch = self.epoch();
        let p = self.cfg.params;
        if self.prior.epoch != epoch {
            self.prior = ServiceStats::default().score(&p, epoch);
            self.prior.epoch = epoch;
        }
        for s in self.services.iter_mut().filter(|s| s.active) {
            if s.dirty || s.score_epoch != epoch {
                s.score = s.stats.score(&p, epoch);
                s.value_key = value(s.score.lcb, s.price, p.unit) as f64;
                s.score_epoch = epoch;
                s.dirty = false;
            }
        }
    }

    /// The policy's ordering key of service `s` (larger is better; ties broken by
    /// price, then id). Call `refresh` first for the formula policies.
    pub fn key(&self, policy: Policy, s: usize) -> f64 {
        let svc = &self.services[s];
        match policy {
            Policy::Formula => svc.value_key,
            Policy::FormulaLcb => f64::from(svc.score.lcb),
            Policy::MeanRating => {
                if svc.star_n == 0 {
                    3.0
                } else {
                    svc.star_sum as f64 / svc.star_n as f64
                }
            }
            Policy::Cheapest => -(svc.price as f64),
            Policy::Oracle => self.utility(s),
            Policy::Random => 0.0,
        }
    }

    /// True if `a` ranks before `b` under `policy` (key desc, price asc, id asc).
    pub fn better(&self, policy: Policy, a: usize, b: usize) -> bool {
        let (ka, kb) = (self.key(policy, a), self.key(policy, b));
        if ka != kb {
            return ka > kb;
        }
        let (pa, pb) = (self.services[a].price, self.services[b].price);
        if pa != pb {
            return pa < pb;
        }
        a < b
    }

    /// The best listed service under `policy` (None if none is listed).
    pub fn best(&self, policy: Policy) -> Option<usize> {
        let mut best: Option<usize> = None;
        for s in self.listed() {
            if best.is_none_or(|b| self.better(policy, s, b)) {
                best = Some(s);
            }
        }
        best
    }

    /// 0-based rank of `s` among listed services under `policy`.
    pub fn rank_of(&self, policy: Policy, s: usize) -> usize {
        self.listed()
            .filter(|&o| o != s && self.better(policy, o, s))
            .count()
    }

    /// Ids of the listed (active) services.
    pub fn listed(&self) -> impl Iterator<Item = usize> + '_ {
        self.services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.active)
            .map(|(i, _)| i)
    }

    /// The `k` best listed services under `policy`, best first.
    pub fn top(&self, policy: Policy, k: usize) -> Vec<usize> {
        let mut ids: Vec<usize> = self.listed().collect();
        ids.sort_by(|&a, &b| {
            if self.better(policy, a, b) {
                std::cmp::Ordering::Less
            } else if self.better(policy, b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        ids.truncate(k);
        ids
    }

    /// Stars for a delivered call of quality `q` with noise `e` (on the 0..1 scale):
    /// `1 + round(4·clamp(q + e, 0, 1))`, so 1..=5.
    pub fn stars(q: f64, e: f64) -> u8 {
        1 + (4.0 * (q + e).clamp(0.0, 1.0)).round() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market() -> Market {
        let mut m = Market::new(Config::base("t"));
        let u = m.cfg.params.unit;
        m.add_service(0.5, u, Kind::Honest);
        m.add_service(0.5, u, Kind::Honest);
        m.add_account(None);
        m
    }

    #[test]
    fn paid_call_is_claimed_in_a_batch_then_rated() {
        let mut m = market();
        let u = m.cfg.params.unit;
        assert!(m.open_channel(0, 0, u, true, Some(5)));
        m.now = m.cfg.claim_every_ms;
        m.process_due();
        assert_eq!(m.services[0].stats.slow.success, u);
        assert_eq!(m.services[0].honest_paid, u);
        assert_eq!(m.services[0].star_n, 0); // the rating comes rate_delay later
        m.now += m.cfg.rate_delay_ms;
        m.process_due();
        assert_eq!(m.services[0].star_n, 1);
        // First rating: no spend elsewhere, so the maturity floor weighs it.
        let floor = gb_scoring::mul_ppm(u, m.cfg.params.min_maturity);
        let (slow, _) = m.services[0].stats.with_epoch_ratings(&m.cfg.params);
        assert_eq!(slow.rating_mass, floor);
    }

    #[test]
    fn unpaid_channel_fails_at_expiry_unless_the_payee_dodges() {
        let mut m = market();
        let u = m.cfg.params.unit;
        m.services[1].dodges_failures = true;
        assert!(!m.open_channel(0, 0, u, false, None));
        assert!(!m.open_channel(0, 1, u, false, None));
        m.now = m.cfg.expiry_ms - 1;
        m.process_due();
        assert_eq!(m.services[0].stats.slow.failure, 0);
        m.now = m.cfg.expiry_ms;
        m.process_due();
        // Locked for the channel's whole life (`expiry_ms`), weighed by the contract's
        // `failure_lock_ref`.
        let mass = gb_scoring::failure_mass(&m.cfg.params, u, m.cfg.expiry_ms);
        assert!(mass > 0);
        assert_eq!(m.services[0].stats.slow.failure, mass);
        assert_eq!(m.services[1].stats.slow.failure, 0);
        assert_eq!(m.attack_failure, 0);
    }

    /// Security review M2: a griefer's 1 ms channel is reported in time order (before
    /// the honest failures due later) and records nothing; a day-long one the whole
    /// capped lock.
    #[test]
    fn unused_channels_report_their_lock_duration_in_time_order() {
        let mut m = market();
        let u = m.cfg.params.unit;
        let griefer = m.add_account(Some(0));
        m.ledgers.push(Default::default());
        assert!(!m.open_channel(0, 0, u, false, None)); // honest, due at expiry_ms
        m.open_unused_channel(griefer, 1, u, 1);
        m.now = 1;
        m.process_due();
        assert_eq!(m.services[1].stats.slow.failure, 0);
        assert_eq!(m.services[0].stats.slow.failure, 0, "not yet due");
        m.now = crate::config::DAY_MS;
        m.open_unused_channel(griefer, 1, u, crate::config::DAY_MS);
        m.now = 2 * crate::config::DAY_MS;
        m.process_due();
        assert_eq!(m.services[1].stats.slow.failure, u);
        assert_eq!(m.attack_failure, u);
        assert!(m.services[0].stats.slow.failure > 0);
    }

    #[test]
    fn ranking_orders_by_value_then_price_then_id() {
        let mut m = market();
        let u = m.cfg.params.unit;
        m.add_service(0.5, u / 2, Kind::Honest);
        m.refresh();
        // Same (prior) score for all: the cheaper service has the higher value.
        assert_eq!(m.best(Policy::Formula), Some(2));
        assert_eq!(m.top(Policy::FormulaLcb, 3), vec![2, 0, 1]);
        assert_eq!(m.rank_of(Policy::Formula, 1), 2);
        assert_eq!(m.best(Policy::Cheapest), Some(2));
        assert_eq!(Market::stars(0.0, -1.0), 1);
        assert_eq!(Market::stars(1.0, 0.3), 5);
        assert_eq!(Market::stars(0.5, 0.0), 3);
    }
}

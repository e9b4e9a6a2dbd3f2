//! Who is in the market and what they do: honest providers and clients, and the
//! attackers of `config::Attack` (their services, accounts and actions).

use crate::config::{Attack, Policy};
use crate::market::{Kind, Market};
use crate::rng::Rng;

/// Quality of the good newcomer.
pub const NEWCOMER_Q: f64 = 0.9;

/// A price weakly correlated with quality: `U · clamp(0.6 + 0.6·q + N(0, 0.25), 0.3,
/// 2.0)` (correlation ≈ 0.45 for q ~ U(0.2, 0.95)).
pub fn draw_price(q: f64, unit: u128, rng: &mut Rng) -> u128 {
    let f = (0.6 + 0.6 * q + 0.25 * rng.normal()).clamp(0.3, 2.0);
    (f * unit as f64) as u128
}

/// One attacker: its attack, current services and client accounts, and its pacing.
#[derive(Clone, Debug)]
pub struct Group {
    /// What it does.
    pub attack: Attack,
    /// Its listed services (whitewashing replaces them).
    pub services: Vec<usize>,
    /// Every service it ever registered.
    pub all_services: Vec<usize>,
    /// Its client accounts.
    pub accounts: Vec<usize>,
    /// Budget not yet spent (in U of gross payments).
    pub allowance: f64,
    /// Round-robin counter over accounts / targets.
    pub rr: usize,
}

impl Group {
    fn budget(&self) -> f64 {
        match self.attack {
            Attack::Sybil { budget, .. }
            | Attack::SelfDeal { budget, .. }
            | Attack::Ring { budget, .. } => budget,
            _ => 0.0,
        }
    }
}

/// Registers the honest providers (quality ~ U(0.2, 0.95), prices from
/// [`draw_price`]), the honest clients, and every attacker's services and accounts.
/// Honest providers are drawn first, so the same seed gives the same honest market in
/// every scenario.
pub fn setup(m: &mut Market, rng: &mut Rng) -> Vec<Group> {
    let unit = m.cfg.params.unit;
    for _ in 0..m.cfg.providers {
        let q = rng.uniform(0.2, 0.95);
        let price = draw_price(q, unit, rng);
        m.add_service(q, price, Kind::Honest);
    }
    for _ in 0..m.cfg.clients {
        m.add_account(None);
    }
    let mut arng = rng.fork(0xA77A);
    let attacks = m.cfg.attacks.clone();
    let mut groups = Vec::new();
    for (g, attack) in attacks.into_iter().enumerate() {
        m.ledgers.push(Default::default());
        let mut services = Vec::new();
        let mut accounts = Vec::new();
        let mut service = |m: &mut Market, q: f64, price_q: f64, kind: Kind| {
            let price = draw_price(price_q, unit, &mut arng);
            m.add_service(q, price, kind)
        };
        match attack {
            Attack::Sybil { q, sybils, .. } | Attack::Grief { q, sybils, .. } => {
                services.push(service(m, q, q, Kind::Attacker(g)));
                accounts.extend((0..sybils).map(|_| m.add_account(Some(g))));
            }
            Attack::SelfDeal { q, accounts: n, .. } => {
                services.push(service(m, q, q, Kind::Attacker(g)));
                accounts.extend((0..n).map(|_| m.add_account(Some(g))));
            }
            Attack::Whitewash { q } => {
                services.push(service(m, q, q, Kind::Attacker(g)));
                accounts.push(m.add_account(Some(g)));
            }
            Attack::Dodge { q } => {
                let s = service(m, q, q, Kind::Attacker(g));
                m.services[s].dodges_failures = true;
                services.push(s);
            }
            Attack::Milker {
                q_before,
                switch_frac,
                ..
            } => {
                // Priced to win traffic (a milker wants to be the top choice when it
                // turns), so its detection is a real test.
                let switch_at = (switch_frac * m.cfg.calls as f64) as usize;
                let price = unit * 8 / 10;
                services.push(m.add_service(q_before, price, Kind::Milker { switch_at }));
            }
            Attack::Ring { size, q, .. } => {
                for _ in 0..size {
                    services.push(service(m, q, q, Kind::Attacker(g)));
                    accounts.push(m.add_account(Some(g)));
                }
            }
        }
        groups.push(Group {
            attack,
            all_services: services.clone(),
            services,
            accounts,
            allowance: 0.0,
            rr: 0,
        });
    }
    groups
}

/// The good newcomer registers (quality [`NEWCOMER_Q`], price U).
pub fn add_newcomer(m: &mut Market) -> usize {
    let unit = m.cfg.params.unit;
    m.add_service(NEWCOMER_Q, unit, Kind::Newcomer)
}

/// Milkers whose switch is at the current call turn bad.
pub fn switch_milkers(m: &mut Market, groups: &[Group]) {
    for g in groups {
        if let Attack::Milker { q_after, .. } = g.attack {
            for &s in &g.services {
                if let Kind::Milker { switch_at } = m.services[s].kind {
                    if m.t == switch_at {
                        m.services[s].q = q_after;
                    }
                }
            }
        }
    }
}

/// The best-ranked listed services (formula order) not owned by group `g`.
fn targets(m: &Market, g: usize, k: usize) -> Vec<usize> {
    m.top(Policy::Formula, k + 8)
        .into_iter()
        .filter(|&s| m.services[s].group() != Some(g))
        .take(k)
        .collect()
}

/// Paid 5-star self-ratings a whitewasher gives each fresh identity through its sock
/// account (cost: the fee).
pub const WHITEWASH_BOOST_CALLS: usize = 3;

/// Once a day (at the first call of an epoch): griefers open their never-used
/// channels, whitewashers re-register if a fresh identity would rank better (and
/// boost it with a few paid self-ratings).
pub fn daily(m: &mut Market, groups: &mut [Group], rng: &mut Rng) {
    if !m.cfg.attacks_on {
        return;
    }
    m.refresh();
    for (g, group) in groups.iter_mut().enumerate() {
        match group.attack {
            Attack::Grief {
                targets: k,
                lock_ms,
                ..
            } => {
                let lock = m.cfg.params.failure_cap;
                for victim in targets(m, g, k) {
                    for &acct in &group.accounts {
                        m.open_unused_channel(acct, victim, lock, lock_ms);
                    }
                }
            }
            Attack::Whitewash { q } => {
                let mut fresh = Vec::new();
                for &s in &group.services {
                    if m.services[s].score().lcb < m.prior.lcb {
                        m.services[s].active = false;
                        let price = m.services[s].price;
                        let new = m.add_service(q, price, Kind::Attacker(g));
                        group.all_services.push(new);
                        fresh.push(new);
                        if let Some(&sock) = group.accounts.first() {
                            for _ in 0..WHITEWASH_BOOST_CALLS {
                                let (_, cost) = attacker_call(m, g, sock, new, Some(5), rng);
                                m.ledgers[g].cost += cost;
                            }
                        }
                    } else {
                        fresh.push(s);
                    }
                }
                group.services = fresh;
            }
            _ => {}
        }
    }
    m.refresh();
}

/// A paid call by an attacker account: the payee delivers with its quality (always,
/// if it is the attacker's own service), the account rates with `stars`. Returns the
/// gross amount paid and the attacker's cost (the fee when paying itself, the full
/// price when paying someone else; nothing if the call was not delivered).
fn attacker_call(
    m: &mut Market,
    g: usize,
    acct: usize,
    service: usize,
    stars: Option<u8>,
    rng: &mut Rng,
) -> (u128, u128) {
    let own = m.services[service].group() == Some(g);
    let calls = if own {
        m.cfg.self_voucher_calls.max(1)
    } else {
        1
    };
    let price = m.services[service].price.saturating_mul(u128::from(calls));
    let delivered = own || rng.chance(m.services[service].q);
    m.open_channel_paying(acct, service, price, price, delivered, stars);
    if !delivered {
        (0, 0)
    } else if own {
        (price, m.fee(price))
    } else {
        (price, price)
    }
}

/// After each honest call of gross price `price_u` (in U): every budgeted attacker
/// gets `budget · price_u` of allowance and spends it on its attack's payments.
pub fn act(m: &mut Market, groups: &mut [Group], rng: &mut Rng, price_u: f64) {
    if !m.cfg.attacks_on {
        return;
    }
    let unit = m.cfg.params.unit as f64;
    let spend_ref = m.cfg.params.spend_ref;
    for (g, group) in groups.iter_mut().enumerate() {
        let budget = group.budget();
        if budget <= 0.0 || group.accounts.is_empty() {
            continue;
        }
        group.allowance += budget * price_u;
        // At most a few actions per honest call; the allowance carries over.
        for _ in 0..16 {
            let slot = match group.attack {
                // Each sybil alternates boosting and bad-mouthing.
                Attack::Sybil { .. } => group.rr / 2,
                _ => group.rr,
            };
            let acct = group.accounts[slot % group.accounts.len()];
            let (service, stars) = match group.attack {
                Attack::Sybil { targets: k, .. } => {
                    if group.rr % 2 == 0 {
                        (group.services[0], Some(5))
                    } else {
                        m.refresh();
                        let t = targets(m, g, k.max(1));
                        match t.get((group.rr / 2) % t.len().max(1)) {
                            Some(&v) => (v, Some(1)),
                            None => (group.services[0], Some(5)),
                        }
                    }
                }
                Attack::SelfDeal { mature, .. } => {
                    let own = group.services[0];
                    if mature && m.rules.other_spend(&m.cfg.params, acct, own, m.now) < spend_ref {
                        // Become mature: buy from the cheapest competitor, rate honestly.
                        let cheapest = m
                            .listed()
                            .filter(|&s| m.services[s].group() != Some(g))
                            .min_by_key(|&s| (m.services[s].price, s));
                        match cheapest {
                            Some(c) => {
                                let e = m.cfg.star_noise * rng.normal();
                                let stars = Market::stars(m.services[c].q, e);
                                (c, Some(stars))
                            }
                            None => (own, Some(5)),
                        }
                    } else {
                        (own, Some(5))
                    }
                }
                Attack::Ring { size, .. } => {
                    let member = group.rr % size;
                    let payee = group.services[(member + 1) % size];
                    (payee, Some(5))
                }
                _ => break,
            };
            let calls = if m.services[service].group() == Some(g) {
                m.cfg.self_voucher_calls.max(1)
            } else {
                1
            };
            let price = m.services[service].price as f64 * f64::from(calls) / unit;
            if group.allowance < price {
                break;
            }
            group.allowance -= price;
            let (_paid, cost) = attacker_call(m, g, acct, service, stars, rng);
            m.ledgers[g].cost += cost;
            group.rr += 1;
        }
    }
}

//! Discovery and the selection policy.
//!
//! **Discovery** reads every page of the registry's ranked listing of a tag (the
//! on-chain order is exact only within one 32-candidate page), adds each service's
//! record and its reputation score with the evidence behind it, and orders the whole
//! list in one of two ways:
//! * [`Order::Score`]: the registry's order, global: lower confidence bound (LCB) of
//!   quality, then lower price, then lower id;
//! * [`Order::Value`] (the default): quality per price, `LCB² · unit / price`
//!   (`gb_scoring::value`, the same key the simulation uses): a service twice as
//!   expensive needs a √2 higher bound to rank equal.
//!
//! **Selection** ([`SelectionPolicy::choose`]) is ε-greedy with directed exploration:
//! with probability `1 − ε` the best service by the order; with probability ε a
//! uniformly random one among the services with little evidence (`n < newcomer_n`
//! reference calls), or among all eligible ones when every service has evidence. The
//! simulation (`sim/README.md`) shows why: a greedy market locks in the early leader
//! (ρ 0.80–0.83 at 2 000 calls with ε = 0.1, ε = 0.2 gives 0.90), and a good newcomer
//! needs thousands of calls to reach the top 5 without exploration, 237–643 with it.
//! Services above the budget's per-call maximum, delisted ones and excluded ids are
//! never chosen.

use gb_chain::Balance;
use gb_client::Score;
use gb_interfaces::{Ppm, ServiceId};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// A service as discovery shows it: the registry record, the ranking score and its
/// evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceInfo {
    pub id: ServiceId,
    pub name: String,
    pub org_id: String,
    /// Price of one call, plancks.
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub price: Balance,
    /// Who the channels pay (SS58).
    pub payee: gb_chain::AccountId,
    /// Where to call it (its provider gateway).
    pub endpoint: String,
    pub metadata_uri: String,
    pub tags: Vec<String>,
    pub active: bool,
    /// The ranking score (LCB, ppm), as the registry ranks with it.
    pub score: Ppm,
    /// The score's components and evidence.
    pub evidence: Evidence,
}

/// Why a service has its score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Evidence in reference calls (ratings + fulfilled + failed mass / unit).
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub n: u128,
    pub rating_mean: Ppm,
    pub fulfillment: Ppm,
    pub quality: Ppm,
    pub lcb: Ppm,
}

impl From<&Score> for Evidence {
    fn from(s: &Score) -> Self {
        Evidence {
            n: s.n,
            rating_mean: s.rating_mean,
            fulfillment: s.fulfillment,
            quality: s.effective,
            lcb: s.lcb,
        }
    }
}

/// How discovery orders services.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Quality per price: LCB² · unit / price.
    #[default]
    Value,
    /// The registry's order: LCB, then price, then id.
    Score,
}

/// Orders `services` best first by `order`; `unit` is the reference price of the
/// value order (the reputation contract's `Params::unit`).
pub fn rank(services: &mut [ServiceInfo], order: Order, unit: Balance) {
    match order {
        Order::Score => services.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(a.price.cmp(&b.price))
                .then(a.id.cmp(&b.id))
        }),
        Order::Value => services.sort_by(|a, b| {
            let va = gb_scoring::value(a.score, a.price, unit);
            let vb = gb_scoring::value(b.score, b.price, unit);
            vb.cmp(&va)
                .then(b.score.cmp(&a.score))
                .then(a.price.cmp(&b.price))
                .then(a.id.cmp(&b.id))
        }),
    }
}

/// The selection policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelectionPolicy {
    pub order: Order,
    /// Probability of exploring instead of taking the best (0 = greedy).
    pub epsilon: f64,
    /// Services with less evidence than this many reference calls are the
    /// exploration's first candidates.
    pub newcomer_n: u128,
}

impl Default for SelectionPolicy {
    fn default() -> Self {
        SelectionPolicy {
            order: Order::Value,
            epsilon: 0.1,
            newcomer_n: 10,
        }
    }
}

/// How a service was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    /// The best by the order.
    Best,
    /// Exploration among services with little evidence.
    Newcomer,
    /// Exploration among all eligible services.
    Explore,
}

impl SelectionPolicy {
    /// Picks one of `ranked` (best first, as [`rank`] leaves them), skipping inactive
    /// services, those above `max_price` and the `excluded` ids; `None` if none is
    /// eligible.
    pub fn choose<'a, R: Rng + ?Sized>(
        &self,
        ranked: &'a [ServiceInfo],
        max_price: Option<Balance>,
        excluded: &[ServiceId],
        rng: &mut R,
    ) -> Option<(&'a ServiceInfo, Choice)> {
        let eligible: Vec<&ServiceInfo> = ranked
            .iter()
            .filter(|s| {
                s.active && max_price.is_none_or(|m| s.price <= m) && !excluded.contains(&s.id)
            })
            .collect();
        let best = *eligible.first()?;
        if eligible.len() == 1 || !rng.gen_bool(self.epsilon.clamp(0.0, 1.0)) {
            return Some((best, Choice::Best));
        }
        let newcomers: Vec<&ServiceInfo> = eligible
            .iter()
            .copied()
            .filter(|s| s.evidence.n < self.newcomer_n)
            .collect();
        if newcomers.is_empty() {
            Some((eligible[rng.gen_range(0..eligible.len())], Choice::Explore))
        } else {
            Some((
                newcomers[rng.gen_range(0..newcomers.len())],
                Choice::Newcomer,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn svc(id: ServiceId, score: Ppm, price: Balance, n: u128) -> ServiceInfo {
        ServiceInfo {
            id,
            name: format!("s{id}"),
            org_id: "org".into(),
            price,
            payee: gb_chain::AccountId([1; 32]),
            endpoint: "http://127.0.0.1:1".into(),
            metadata_uri: "ipfs://x".into(),
            tags: vec!["t".into()],
            active: true,
            score,
            evidence: Evidence {
                n,
                rating_mean: 0,
                fulfillment: 0,
                quality: 0,
                lcb: score,
            },
        }
    }

    const U: Balance = 10_000_000_000;

    #[test]
    fn the_value_order_trades_quality_against_price() {
        // Same score, half the price: the cheaper one is worth twice as much.
        let mut v = vec![svc(1, 500_000, 2 * U, 50), svc(2, 500_000, U, 50)];
        rank(&mut v, Order::Value, U);
        assert_eq!(v[0].id, 2);
        // Twice the price needs √2 the bound: 0.72 / 2 U beats 0.5 / 1 U, 0.70 does not.
        let mut v = vec![svc(1, 500_000, U, 50), svc(2, 720_000, 2 * U, 50)];
        rank(&mut v, Order::Value, U);
        assert_eq!(v[0].id, 2);
        let mut v = vec![svc(1, 500_000, U, 50), svc(2, 700_000, 2 * U, 50)];
        rank(&mut v, Order::Value, U);
        assert_eq!(v[0].id, 1);
    }

    #[test]
    fn the_score_order_is_the_registrys_across_pages() {
        let mut v = vec![
            svc(3, 400_000, U, 1),
            svc(1, 500_000, 2 * U, 1),
            svc(2, 400_000, U / 2, 1),
        ];
        rank(&mut v, Order::Score, U);
        assert_eq!(v.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn greedy_selection_takes_the_best_eligible() {
        let p = SelectionPolicy {
            epsilon: 0.0,
            ..Default::default()
        };
        let v = vec![svc(1, 900_000, 5 * U, 50), svc(2, 500_000, U, 50)];
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(p.choose(&v, None, &[], &mut rng).unwrap().0.id, 1);
        assert_eq!(
            p.choose(&v, Some(U), &[], &mut rng).unwrap().0.id,
            2,
            "over the max price"
        );
        assert_eq!(
            p.choose(&v, None, &[1], &mut rng).unwrap().0.id,
            2,
            "excluded"
        );
        assert!(p.choose(&v, Some(1), &[], &mut rng).is_none());
    }

    #[test]
    fn exploration_goes_to_newcomers_at_about_epsilon() {
        let p = SelectionPolicy {
            epsilon: 0.2,
            newcomer_n: 10,
            ..Default::default()
        };
        let v = vec![
            svc(1, 900_000, U, 500),
            svc(2, 800_000, U, 400),
            svc(3, 100_000, U, 0),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut counts = [0u32; 4];
        for _ in 0..10_000 {
            let (s, how) = p.choose(&v, None, &[], &mut rng).unwrap();
            counts[s.id as usize] += 1;
            if s.id == 3 {
                assert_eq!(how, Choice::Newcomer);
            }
        }
        assert_eq!(
            counts[2], 0,
            "an established runner-up gets no exploration while a newcomer waits"
        );
        assert!((1_800..2_200).contains(&counts[3]), "{counts:?}");
    }

    #[test]
    fn without_newcomers_exploration_is_uniform() {
        let p = SelectionPolicy {
            epsilon: 0.3,
            newcomer_n: 10,
            ..Default::default()
        };
        let v = vec![
            svc(1, 900_000, U, 500),
            svc(2, 800_000, U, 400),
            svc(3, 100_000, U, 20),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut counts = [0u32; 4];
        for _ in 0..9_000 {
            counts[p.choose(&v, None, &[], &mut rng).unwrap().0.id as usize] += 1;
        }
        // 0.3 / 3 = 10 % each by exploration, the best also 70 % greedily.
        assert!(
            (700..1_100).contains(&counts[2]) && (700..1_100).contains(&counts[3]),
            "{counts:?}"
        );
        assert!(counts[1] > 6_500, "{counts:?}");
    }
}

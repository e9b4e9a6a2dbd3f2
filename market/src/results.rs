//! What a run measured ([`Results`], serde: `--output-json`), and the summary tables.

use crate::models::ModelSpec;
use crate::upstream::Behaviour;
use gb_chain::Balance;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A service's part in its market (known to the run, never announced on chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The most accurate model of its market.
    Best,
    /// An honest but weaker model.
    Weaker,
    /// Sells random answers.
    Scam,
    /// The ensemble built from the others.
    Ensemble,
}

/// One service at the end of the run.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceResult {
    pub id: u64,
    pub name: String,
    pub role: Role,
    pub model: Option<ModelSpec>,
    pub behaviour: Behaviour,
    /// Price per call, plancks.
    pub price: Balance,
    /// Paid calls the market's agents made (the ensemble's purchases not included).
    pub calls: u64,
    /// The agents' measured accuracy (classification) or quality (`1 − MAE/MAD`,
    /// regression) over their calls.
    pub measured: Option<f64>,
    /// The ratings it received (stars), in order.
    pub ratings: Vec<u8>,
    /// Final ranking score (LCB, ppm).
    pub score: u32,
    /// Charged by its gateway in total (plancks), ensemble purchases included.
    pub revenue: Balance,
}

/// One round of a market.
#[derive(Clone, Debug, Serialize)]
pub struct RoundResult {
    pub round: u32,
    /// Service names, best first (the registry's order: score, price, id).
    pub ranking: Vec<String>,
    /// Scores (LCB, ppm) by service name.
    pub scores: BTreeMap<String, u32>,
    /// Share of the round's paid calls by service name.
    pub share: BTreeMap<String, f64>,
}

/// One market.
#[derive(Clone, Debug, Serialize)]
pub struct MarketResult {
    pub name: String,
    pub tag: String,
    pub task: String,
    pub services: Vec<ServiceResult>,
    pub rounds: Vec<RoundResult>,
    /// The final ranking, best first.
    pub final_ranking: Vec<String>,
    /// The service with the highest measured quality.
    pub most_accurate: String,
    /// Paid to the scam service (plancks), ensemble purchases included.
    pub lost_to_scam: Balance,
}

/// The ensemble agent.
#[derive(Clone, Debug, Serialize)]
pub struct EnsembleResult {
    pub name: String,
    pub market: String,
    pub price: Balance,
    /// Calls its buyer paid for.
    pub calls: u64,
    /// The buyer's measured accuracy of the ensemble.
    pub measured: Option<f64>,
    /// Per service it bought from: calls and paid (plancks).
    pub bought: BTreeMap<String, crate::ensemble::Purchases>,
    /// Its gateway's revenue minus what it paid the others (plancks; may be < 0).
    pub margin: i128,
}

/// On-chain transactions and their cost.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ChainCost {
    /// Paid calls of the whole run (all gateways' charges / price).
    pub paid_calls: u64,
    pub claim_txs: u64,
    pub rate_txs: u64,
    /// Channel opens and top-ups made while calling.
    pub channel_txs: u64,
    /// Transaction fees (0 on the in-process chain) of claims, ratings and channels.
    pub fees: Balance,
    /// Weight (ref_time) of those transactions.
    pub ref_time: u64,
    pub fees_per_paid_call: f64,
    pub ref_time_per_paid_call: f64,
}

/// The books of one service.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceBooks {
    pub name: String,
    /// Requests its upstream answered.
    pub answered: u64,
    pub price: Balance,
    /// Charged by the gateway (its durable ledger).
    pub spent: Balance,
    /// The vouchers it holds (highest amounts).
    pub accepted: Balance,
    /// Claimed on chain over its channels.
    pub claimed: Balance,
    /// `answered × price == spent`: every served call was paid.
    pub every_call_paid: bool,
    /// `claimed == accepted == spent`: everything paid was claimed.
    pub everything_claimed: bool,
}

/// The escrow's books over the run.
#[derive(Clone, Debug, Serialize)]
pub struct Books {
    /// Deposited into the agents' channels (on-chain funds).
    pub deposits: Balance,
    /// Claimed by the providers.
    pub claimed: Balance,
    /// Refunded to the agents (none: no channel expires during a run).
    pub refunded: Balance,
    /// Still held in the channels (`funds − claimed`).
    pub held: Balance,
    /// Paid out to the payees: `claimed − protocol_fees`.
    pub credited_to_payees: Balance,
    /// The protocol fees the escrow holds.
    pub protocol_fees: Balance,
    /// What the escrow's own accounting says the open channels lock.
    pub escrow_locked: Balance,
    /// `deposits == claimed + refunded + held`, `held == escrow_locked` (the
    /// contract's accounting agrees with the channels), the fees held are the
    /// escrow's and at most 1 % of the claims (a fresh chain).
    pub balanced: bool,
    pub services: Vec<ServiceBooks>,
}

/// Everything a run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    pub seed: u64,
    pub rounds: u32,
    pub unit: Balance,
    pub markets: Vec<MarketResult>,
    pub ensemble: Option<EnsembleResult>,
    pub chain_cost: ChainCost,
    pub books: Books,
}

fn units(v: Balance, unit: Balance) -> String {
    format!("{:.2} U", v as f64 / unit as f64)
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |q| format!("{:.1} %", 100.0 * q))
}

impl Results {
    /// The summary tables (plain text).
    pub fn tables(&self) -> String {
        let u = self.unit;
        let mut s = String::new();
        for m in &self.markets {
            let _ = writeln!(s, "\n== market `{}` ({}) ==", m.name, m.task);
            let _ = writeln!(
                s,
                "{:<18} {:<8} {:>8} {:>6} {:>9} {:>8} {:>12} {:>10}  ratings",
                "service", "role", "price", "calls", "measured", "score", "revenue", "share(last)"
            );
            let last = m.rounds.last();
            for sv in &m.services {
                let share = last
                    .and_then(|r| r.share.get(&sv.name))
                    .map_or("-".into(), |x| format!("{:.0} %", 100.0 * x));
                let _ = writeln!(
                    s,
                    "{:<18} {:<8} {:>8} {:>6} {:>9} {:>8} {:>12} {:>10}  {:?}",
                    sv.name,
                    format!("{:?}", sv.role).to_lowercase(),
                    units(sv.price, u),
                    sv.calls,
                    pct(sv.measured),
                    sv.score,
                    units(sv.revenue, u),
                    share,
                    sv.ratings
                );
            }
            let _ = writeln!(
                s,
                "share of calls per round (best-ranked first at the end):"
            );
            for r in &m.rounds {
                let parts: Vec<String> = m
                    .final_ranking
                    .iter()
                    .map(|n| {
                        format!(
                            "{n} {:>3.0} %",
                            100.0 * r.share.get(n).copied().unwrap_or(0.0)
                        )
                    })
                    .collect();
                let _ = writeln!(s, "  round {:>2}: {}", r.round, parts.join(" | "));
            }
            let _ = writeln!(
                s,
                "final ranking: {}   most accurate: {}   lost to the scam: {}",
                m.final_ranking.join(" > "),
                m.most_accurate,
                units(m.lost_to_scam, u)
            );
        }
        if let Some(e) = &self.ensemble {
            let _ = writeln!(s, "\n== ensemble `{}` (market {}) ==", e.name, e.market);
            let _ = writeln!(
                s,
                "sold {} calls at {}; measured accuracy {}; margin {:.2} U",
                e.calls,
                units(e.price, u),
                pct(e.measured),
                e.margin as f64 / u as f64
            );
            for (name, p) in &e.bought {
                let _ = writeln!(
                    s,
                    "  bought {:>4} calls from {:<18} paid {}",
                    p.calls,
                    name,
                    units(p.paid, u)
                );
            }
        }
        let c = &self.chain_cost;
        let _ = writeln!(
            s,
            "\n== on chain ==\npaid calls {}; transactions: {} claims, {} ratings, {} channel opens/top-ups; \
             fees {} ({:.6} U per paid call); weight {:.0} ref_time per paid call",
            c.paid_calls,
            c.claim_txs,
            c.rate_txs,
            c.channel_txs,
            units(c.fees, u),
            c.fees_per_paid_call / u as f64,
            c.ref_time_per_paid_call
        );
        let b = &self.books;
        let _ = writeln!(
            s,
            "\n== books ==\ndeposits {} = claimed {} + refunded {} + held {} (escrow locks {}); claimed = payees {} + protocol fees {}: {}",
            units(b.deposits, u),
            units(b.claimed, u),
            units(b.refunded, u),
            units(b.held, u),
            units(b.escrow_locked, u),
            units(b.credited_to_payees, u),
            units(b.protocol_fees, u),
            if b.balanced { "balanced" } else { "NOT BALANCED" }
        );
        for sb in &b.services {
            let _ = writeln!(
                s,
                "  {:<18} answered {:>4} × {} = spent {} ; accepted {} ; claimed {} : {} {}",
                sb.name,
                sb.answered,
                units(sb.price, u),
                units(sb.spent, u),
                units(sb.accepted, u),
                units(sb.claimed, u),
                if sb.every_call_paid {
                    "paid"
                } else {
                    "UNPAID CALLS"
                },
                if sb.everything_claimed {
                    "claimed"
                } else {
                    "UNCLAIMED"
                }
            );
        }
        s
    }
}

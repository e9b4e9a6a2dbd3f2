//! The test command's market: `gb-market --quick`'s run on the in-process chain (real
//! models behind real gateways, paying agents, the ensemble), checked over its
//! [`Results`], not its printed text.

use gb_chain::sandbox::Sandbox;
use gb_chain::{AccountKey, Chain};
use gb_market::results::{Results, Role};
use gb_market::run::{run, RunConfig, UNIT};
use std::sync::Arc;

async fn quick_run() -> Results {
    let sandbox = Sandbox::new();
    let deployer = AccountKey::dev("Alice");
    sandbox
        .mint(&deployer.account_id(), 1_000_000 * UNIT)
        .expect("minted");
    let chain: Arc<dyn Chain> = Arc::new(sandbox);
    run(chain, deployer, RunConfig::quick(7))
        .await
        .expect("the quick run finishes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_market_converges_the_scam_loses_and_the_books_balance() {
    let r = quick_run().await;
    assert_eq!(r.markets.len(), 3);
    for m in &r.markets {
        // The best service is the one the agents measured most accurate (on a few
        // dozen held-out samples a strong model can measure below a close second).
        let best = m
            .services
            .iter()
            .find(|s| s.name == m.most_accurate)
            .expect("a most accurate service");
        assert_ne!(best.role, Role::Scam);
        assert_eq!(
            m.final_ranking[0], best.name,
            "{}: the most accurate service ends on top: {:?}",
            m.name, m.rounds
        );
        assert_eq!(m.rounds.len() as u32, r.rounds);
        assert!(
            m.services.iter().all(|s| s.calls > 0),
            "{}: every service was tried",
            m.name
        );
        if let Some(scam) = m.services.iter().find(|s| s.role == Role::Scam) {
            let last = m.final_ranking.last().expect("a ranking");
            let least_calls = m.services.iter().map(|s| s.calls).min().unwrap_or(0);
            assert!(
                *last == scam.name || scam.calls == least_calls,
                "{}: the scam ranks last or gets the fewest calls: {:?}",
                m.name,
                m.services
            );
            assert!(m.lost_to_scam > 0 && m.lost_to_scam == scam.revenue);
            assert!(scam.measured.expect("measured") < 0.75, "random answers");
            let last_round = m.rounds.last().expect("rounds");
            assert!(
                last_round.share[&best.name] > last_round.share[&scam.name],
                "{}: in the last round the best service gets more calls than the scam",
                m.name
            );
        }
    }
    // The ensemble sold calls, bought from the others, and measured its accuracy.
    let e = r.ensemble.as_ref().expect("the ensemble ran");
    assert!(e.calls > 0 && e.measured.is_some());
    assert!(!e.bought.is_empty() && e.bought.values().all(|p| p.paid > 0));
    // The books: every served call paid, every paid call claimed, the escrow balances.
    let b = &r.books;
    assert!(b.balanced, "{b:?}");
    assert!(b.deposits > 0 && b.claimed > 0);
    assert_eq!(b.deposits, b.claimed + b.refunded + b.held);
    assert_eq!(b.held, b.escrow_locked);
    assert!(b.protocol_fees > 0 && b.protocol_fees <= b.claimed / 100);
    for s in &b.services {
        assert!(s.answered > 0, "{s:?}");
        assert!(s.every_call_paid, "{s:?}");
        assert!(s.everything_claimed, "{s:?}");
    }
    let c = &r.chain_cost;
    assert!(c.paid_calls > 0 && c.claim_txs > 0 && c.rate_txs > 0);
    assert!(c.ref_time_per_paid_call > 0.0);
    // --plot: two charts per market, each with a line per service.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let written = gb_market::plots::write_plots(dir.path(), &r).expect("charts written");
    assert_eq!(written.len(), 2 * r.markets.len());
    for m in &r.markets {
        for kind in ["share", "score"] {
            let svg = std::fs::read_to_string(dir.path().join(format!("{}-{kind}.svg", m.name)))
                .expect("the chart exists");
            assert!(svg.starts_with("<svg"), "{}-{kind}", m.name);
            for s in &m.services {
                assert!(
                    svg.contains(&format!("\n{}\n", s.name)),
                    "{}-{kind}: {}",
                    m.name,
                    s.name
                );
            }
        }
    }
}

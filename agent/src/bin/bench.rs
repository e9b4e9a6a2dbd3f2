//! `gb-agent-bench`: what paying costs the client, printed as tables (feature
//! `sandbox`; run with `--release`).
//!
//! 1. Client-side cost per paid call — everything the SDK adds to a call except the
//!    network: budget check, the channel's books, the durable ceiling (one fsync per
//!    `max_ahead` calls), the voucher signature, the `PAYMENT-SIGNATURE` header, the
//!    receipt's bookkeeping — side by side with a per-call-fsync baseline
//!    (`max_ahead` = 1 call: the intent made durable before every signature).
//! 2. Calls per second one agent sustains through a local gateway (a real gb-gateway
//!    from the test kit and a loopback upstream, the in-process chain), sequential and with
//!    concurrent calls.
//!
//! `cargo run --release -p gb-agent --features sandbox --bin gb-agent-bench [-- CALLS]`

use gb_agent::budget::{Budget, BudgetPolicy};
use gb_agent::ledger::{sign_voucher, ChannelBooks, Next};
use gb_agent::store::{ChannelRecord, Store};
use gb_agent::testkit::{calls_at_once, Market, UNIT};
use gb_voucher::VoucherKey;
use std::time::Instant;

async fn client_cost(
    key: &VoucherKey,
    max_ahead_calls: u128,
    calls: u32,
) -> anyhow::Result<(f64, u32)> {
    let dir = tempfile::tempdir()?;
    let (store, _) = Store::open(&dir.path().join("bench.db"), &[1; 32], &[2; 32])?;
    let price = UNIT;
    store
        .upsert_channel(ChannelRecord {
            channel_id: 1,
            service_id: 1,
            payee: [3; 32],
            funds: u128::MAX / 2,
            expiry: u64::MAX,
            claimed: 0,
            open: true,
            ceiling: 0,
            acked: 0,
            spent: 0,
            recorded_spend: 0,
            rated: false,
        })
        .await?;
    let mut books = ChannelBooks::restored(1, u128::MAX / 2, 0, 0, 0);
    let mut budget = Budget::new(BudgetPolicy {
        max_price_per_call: Some(2 * UNIT),
        total: Some(u128::MAX / 4),
        ..Default::default()
    });
    let network = gb_agent::wire::network_of(&format!("0x{}", "11".repeat(32)));
    let mut fsyncs = 0;
    let start = Instant::now();
    for _ in 0..calls {
        let r = budget.reserve(1, price, 0)?;
        let v = match books.plan(price, price * max_ahead_calls)? {
            Next::Reuse(v) => {
                books.commit(price, v, None);
                v
            }
            Next::Sign {
                amount,
                raise_ceiling,
            } => {
                if let Some(c) = raise_ceiling {
                    store.raise_ceiling(1, c).await?;
                    fsyncs += 1;
                }
                let domain = gb_interfaces::VoucherDomain::new([2; 32], [1; 32]);
                let v = sign_voucher(key, &domain, 1, amount);
                books.commit(price, v, raise_ceiling);
                v
            }
        };
        let header = gb_agent::wire::encode(&gb_protocol::PaymentPayload::new(network.clone(), v));
        std::hint::black_box(reqwest::header::HeaderValue::from_str(&header)?);
        books.acknowledge(v.amount, v.amount, true);
        budget.settle(r, price, 0);
    }
    Ok((
        start.elapsed().as_secs_f64() * 1e6 / f64::from(calls),
        fsyncs,
    ))
}

async fn through_gateway(calls: u32, concurrency: u32) -> anyhow::Result<f64> {
    let market = Market::start(1).await?;
    let dir = tempfile::tempdir()?;
    let (agent, s) = market.one_channel_agent(dir.path(), calls).await?;
    let each = calls / concurrency;
    let start = Instant::now();
    calls_at_once(&agent, &s, concurrency, each).await?;
    let rate = f64::from(each * concurrency) / start.elapsed().as_secs_f64();
    anyhow::ensure!(market.services[0].upstream.served() == u64::from(each * concurrency + 1));
    Ok(rate)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let calls: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let sr = VoucherKey::sr25519("//Alice")?;
    let ec = VoucherKey::ecdsa("//Alice")?;
    println!("## Client-side cost per paid call ({calls} calls; budget + books + durable ceiling + signature + header + receipt)\n");
    println!("| key | max ahead (calls) | fsyncs | µs per call |");
    println!("|---|---:|---:|---:|");
    for (name, key) in [("sr25519", &sr), ("ecdsa", &ec)] {
        for ahead in [1u128, 32, 128] {
            let (us, fsyncs) = client_cost(key, ahead, calls).await?;
            let label = if ahead == 1 {
                "1 (baseline: fsync per call)".to_string()
            } else {
                ahead.to_string()
            };
            println!("| {name} | {label} | {fsyncs} | {us:.1} |");
        }
    }
    let n = calls.min(1_000);
    println!("\n## Calls per second one agent sustains through a local gateway ({n} calls)\n");
    println!("| concurrent calls | calls/s |");
    println!("|---:|---:|");
    for c in [1u32, 8] {
        println!("| {c} | {:.0} |", through_gateway(n, c).await?);
    }
    Ok(())
}

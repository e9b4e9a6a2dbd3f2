//! Gas (`ref_time`, `proof_size`) and storage deposit of every message, batch-claim cost
//! per channel for batches of 1, 10 and 50, and the optimized Wasm sizes.
//!
//! These numbers are deterministic for given bundles and runtime. By default they are
//! measured in drink's runtime (pallet-contracts 31), whose sandbox charges a storage
//! deposit of 1 per byte and 1 per item, so "deposit" reads as bytes + items stored.
//! With `GB_GAS_NODE_URL=ws://…` the same calls are measured on that node (e.g.
//! substrate-contracts-node 0.42, pallet-contracts 38, with its own weights and deposit
//! prices), from the dry run made before each submitted call.
mod common;
use common::*;
use gb_deploy::Cost;
use gb_interfaces::{Balance, ChannelId, VoucherSignature};

fn row(out: &mut String, name: &str, c: Cost) {
    out.push_str(&format!(
        "| {name} | {} | {} | {} |\n",
        c.ref_time, c.proof_size, c.storage_deposit
    ));
}

fn last<B: Backend>(m: &mut Market<B>) -> Cost {
    m.chain.costs().last().expect("a call").1
}

/// Opens `n` channels for `svc` and returns a batch of one voucher each.
fn batch<B: Backend>(
    m: &mut Market<B>,
    svc: u64,
    n: usize,
) -> Vec<(ChannelId, Balance, VoucherSignature)> {
    let c = m.clients[0].clone();
    let exp = m.chain.now() + DAY;
    (0..n)
        .map(|_| {
            let ch = m.open(&c, svc, 100 * UNIT, exp).unwrap();
            (ch, 10 * UNIT, m.voucher(&c, ch, 10 * UNIT))
        })
        .collect()
}

#[cfg(feature = "e2e-tests")]
fn on_node(url: &str) -> String {
    let node = gb_deploy::node::Node::connect(url, None).unwrap_or_else(|e| panic!("{e}"));
    let deployer = node.deployer();
    let m = Market::on(node, deployer, bundles(), 100, 2, None, NODE_FUNDS)
        .expect("deploy the suite on the node");
    report(m)
}

#[cfg(not(feature = "e2e-tests"))]
fn on_node(_url: &str) -> String {
    panic!(
        "GB_GAS_NODE_URL needs the node backend: cargo test --features e2e-tests --test gas_report"
    )
}

fn main() {
    let (runtime, out) = match std::env::var("GB_GAS_NODE_URL") {
        Ok(url) => (format!("the node at {url}"), on_node(&url)),
        Err(_) => ("drink's runtime".to_string(), report(market(100, 2))),
    };
    println!("\nGas report, measured in {runtime}:\n\n{out}");
    if let Ok(path) = std::env::var("GB_GAS_REPORT") {
        std::fs::write(&path, &out).expect("write report");
        println!("(written to {path})");
    }
}

fn report<B: Backend>(mut m: Market<B>) -> String {
    let mut out = String::from(
        "| message | ref_time | proof_size | storage deposit |\n|---|---:|---:|---:|\n",
    );
    for (label, cost) in m.chain.costs().clone() {
        row(&mut out, &format!("deploy/wire `{label}`"), cost);
    }
    let p = m.provider.account.clone();
    let _: Result<(), RegistryError> = m.registry(&p, "create_org", "acme".to_string());
    row(&mut out, "registry `create_org`", last(&mut m));
    let mid = m.member.id();
    let _: Result<(), RegistryError> = m.registry(&p, "add_member", ("acme".to_string(), mid));
    row(&mut out, "registry `add_member`", last(&mut m));
    let spec = m.spec("xray", UNIT, &["medical", "vision"]);
    let svc: Result<u64, RegistryError> =
        m.registry(&p, "register_service", ("acme".to_string(), spec));
    let svc = svc.unwrap();
    row(
        &mut out,
        "registry `register_service` (2 tags)",
        last(&mut m),
    );
    for i in 0..9 {
        let spec = m.spec(&format!("svc{i}"), UNIT + i as u128, &["medical"]);
        let _: Result<u64, RegistryError> =
            m.registry(&p, "register_service", ("acme".to_string(), spec));
    }
    let at = m.suite.registry.clone();
    let (_, c): (registry::types::RankedPage, Cost) = m
        .chain
        .call_with_cost(
            &m.b.registry,
            &at,
            "ranked_by_tag",
            ("medical".to_string(), 0u32, 32u32),
            &p,
            0,
        )
        .unwrap();
    row(
        &mut out,
        "registry `ranked_by_tag` (10 services, 1 oracle call)",
        c,
    );

    let c0 = m.clients[0].clone();
    let c1 = m.clients[1].clone();
    let _: Result<(), EscrowError> = m.escrow(&c1.account, "deposit", (), 1_000 * UNIT);
    row(&mut out, "escrow `deposit`", last(&mut m));
    let exp = m.chain.now() + DAY;
    let ch: Result<u64, EscrowError> = m.escrow(
        &c1.account,
        "open_channel",
        (svc, c1.sr_signer(), 100 * UNIT, exp),
        0,
    );
    let ch = ch.unwrap();
    row(
        &mut out,
        "escrow `open_channel` (1 registry call)",
        last(&mut m),
    );
    let _ = m.open(&c0, svc, 100 * UNIT, exp).unwrap();
    row(&mut out, "escrow `deposit_and_open`", last(&mut m));
    let _: Result<(), EscrowError> = m.escrow(&c1.account, "add_funds", (ch, 10 * UNIT), 0);
    row(&mut out, "escrow `add_funds`", last(&mut m));
    let _: Result<(), EscrowError> = m.escrow(&c1.account, "extend", (ch, exp + DAY), 0);
    row(&mut out, "escrow `extend`", last(&mut m));
    let sig = m.voucher(&c1, ch, 5 * UNIT);
    let _: Result<u128, EscrowError> = m.escrow(&p, "claim", (ch, 5 * UNIT, sig), 0);
    row(
        &mut out,
        "escrow `claim` (sr25519, transfer, 1 reputation call)",
        last(&mut m),
    );
    let sig = m.wrapped_voucher(&c1, ch, 6 * UNIT);
    let _: Result<u128, EscrowError> = m.escrow(&p, "claim", (ch, 6 * UNIT, sig), 0);
    row(
        &mut out,
        "escrow `claim` (`<Bytes>`-wrapped sr25519: two checks)",
        last(&mut m),
    );
    let _: Result<(), ReputationError> = m.rate(&c1.account, ch, 5);
    row(
        &mut out,
        "reputation `rate` (escrow + registry calls)",
        last(&mut m),
    );
    let _: Result<u128, EscrowError> = m.escrow(
        &p,
        "close",
        (ch, Option::<(u128, VoucherSignature)>::None),
        0,
    );
    row(&mut out, "escrow `close` (no final voucher)", last(&mut m));
    // A short expiry, so that a node gets there in seconds too.
    let expiry = m.chain.now() + 6_000;
    let r = m.open(&c1, svc, 10 * UNIT, expiry).unwrap();
    m.chain.advance(7_000);
    let _: Result<u128, EscrowError> = m.escrow(&c1.account, "refund", r, 0);
    row(
        &mut out,
        "escrow `refund` (unclaimed: 1 reputation call)",
        last(&mut m),
    );
    let _: Result<(), EscrowError> = m.escrow(&c1.account, "withdraw", 10 * UNIT, 0);
    row(&mut out, "escrow `withdraw`", last(&mut m));
    let t = m.treasury.account.clone();
    let _: Result<u128, EscrowError> = m.escrow(&t, "withdraw_fees", (), 0);
    row(&mut out, "escrow `withdraw_fees`", last(&mut m));

    out.push_str("\nBatch claims (one payee, one service; sr25519 vouchers):\n\n");
    out.push_str("| batch | ref_time | proof_size | ref_time / channel | proof_size / channel | marginal ref_time / extra channel | marginal proof / extra channel |\n|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut one = Cost::default();
    for n in [1usize, 10, 50] {
        let vouchers = batch(&mut m, svc, n);
        let outcomes = m.claim_batch(vouchers);
        assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
        let c = last(&mut m);
        if n == 1 {
            one = c;
        }
        let (mr, mp) = if n == 1 {
            ("–".to_string(), "–".to_string())
        } else {
            let k = (n - 1) as u64;
            (
                ((c.ref_time - one.ref_time) / k).to_string(),
                ((c.proof_size - one.proof_size) / k).to_string(),
            )
        };
        out.push_str(&format!(
            "| {n} | {} | {} | {} | {} | {mr} | {mp} |\n",
            c.ref_time,
            c.proof_size,
            c.ref_time / n as u64,
            c.proof_size / n as u64
        ));
    }

    out.push_str(
        "\nOptimized Wasm (cargo contract build --release):\n\n| contract | bytes |\n|---|---:|\n",
    );
    for b in [&m.b.registry, &m.b.reputation, &m.b.escrow] {
        out.push_str(&format!("| {} | {} |\n", b.name, b.wasm.len()));
    }
    out
}

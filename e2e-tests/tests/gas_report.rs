//! Gas (`ref_time`, `proof_size`) and storage deposit of every message, batch-claim cost
//! per channel for batches of 1, 10 and 50, and the optimized Wasm sizes, from the
//! costs the `Recorder` took of every submitted call.
//!
//! These numbers are deterministic for given bundles and runtime. By default they are
//! measured in drink's runtime (pallet-contracts 31), whose sandbox charges a storage
//! deposit of 1 per byte and 1 per item, so "deposit" reads as bytes + items stored.
//! With `GB_GAS_NODE_URL=ws://…` the same calls (the same code, generic over the
//! chain) are measured on that node (e.g. substrate-contracts-node 0.42,
//! pallet-contracts 38, with its own weights and deposit prices), from the dry run made
//! before each submitted call. `GB_GAS_REPORT=path` also writes the tables to a file.
use escrow::escrow::EscrowRef;
use gb_chain::{hex0x, AccountKey, Chain, Cost};
use gb_client::Constructor;
use gb_e2e_tests::*;
use gb_interfaces::{ServiceId, Voucher};
use registry::registry::RegistryRef;
use reputation::reputation::ReputationRef;

fn row(out: &mut String, name: &str, c: Cost) {
    out.push_str(&format!(
        "| {name} | {} | {} | {} |\n",
        c.ref_time, c.proof_size, c.storage_deposit
    ));
}

/// The cost of the last recorded call, which must be `label`'s (a refused call is not
/// submitted, so it would not be there).
fn last<C: Chain>(m: &Market<C>, label: &str) -> Cost {
    let e = m.last_cost();
    assert_eq!(e.label, label, "the last recorded call");
    e.cost
}

/// The deployment's calls in the order `gb_deploy::suite::deploy` makes them (the
/// order the design fixes), named: the recorder labels them by selector, which does not
/// tell the three `new`s (nor the two `set_reputation`s) apart. Each recorded selector is
/// checked against its name's.
fn deploy_labels<C: Chain>(m: &Market<C>) -> Vec<(&'static str, String)> {
    let any = m.deployer.account_id();
    let a = gb_client::ink_account(&any);
    let selector = |data: &[u8]| hex0x(&data[..4]);
    let constructors = [
        Constructor::of("registry::new", RegistryRef::new()),
        Constructor::of("reputation::new", ReputationRef::new(a)),
        Constructor::of("escrow::new", EscrowRef::new(a, 0, a, [0; 32])),
    ];
    let registry_wire = m.registry().set_reputation(&any);
    let reputation_wire = m.reputation().set_escrow(&any);
    let escrow_wire = m.escrow().set_reputation(&any);
    constructors
        .iter()
        .map(|c| (c.label, selector(&c.data)))
        .chain([
            (registry_wire.label, selector(&registry_wire.call.data)),
            (reputation_wire.label, selector(&reputation_wire.call.data)),
            (escrow_wire.label, selector(&escrow_wire.call.data)),
        ])
        .collect()
}

/// Opens `n` channels for `svc` and returns a batch of one voucher each.
async fn batch<C: Chain>(m: &Market<C>, svc: ServiceId, n: usize) -> Vec<Voucher> {
    let c = m.clients[0].clone();
    let exp = m.now().await + DAY;
    let mut vouchers = Vec::new();
    for _ in 0..n {
        let ch = m.open(&c, svc, 100 * UNIT, exp).await.unwrap();
        vouchers.push(m.voucher(&c, ch, 10 * UNIT));
    }
    vouchers
}

async fn on_node(url: &str) -> String {
    let deployer = AccountKey::dev("Alice");
    let node = gb_chain::node::Node::connect(url, deployer.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let m = Market::on(node, deployer, 100, 2, NODE_FUNDS)
        .await
        .unwrap_or_else(|e| panic!("deploy the suite on the node: {e}"));
    report(m).await
}

fn main() {
    let (runtime, out) = match std::env::var("GB_GAS_NODE_URL") {
        Ok(url) => (format!("the node at {url}"), block_on(on_node(&url))),
        Err(_) => (
            "drink's runtime".to_string(),
            block_on(async { report(Market::new(100, 2).await).await }),
        ),
    };
    println!("\nGas report, measured in {runtime}:\n\n{out}");
    if let Ok(path) = std::env::var("GB_GAS_REPORT") {
        std::fs::write(&path, &out).expect("write report");
        println!("(written to {path})");
    }
}

async fn report<C: Chain>(m: Market<C>) -> String {
    let mut out = String::from(
        "| message | ref_time | proof_size | storage deposit |\n|---|---:|---:|---:|\n",
    );
    let deployment = m.costs();
    let names = deploy_labels(&m);
    assert_eq!(deployment.len(), names.len(), "{deployment:?}");
    for (e, (label, selector)) in deployment.iter().zip(names) {
        assert_eq!(e.label, selector, "{label}");
        row(&mut out, &format!("deploy/wire `{label}`"), e.cost);
    }
    let (r, e) = (m.registry(), m.escrow());
    let p = m.provider.clone();
    m.call(&p, r.create_org("acme")).await.unwrap();
    row(
        &mut out,
        "registry `create_org`",
        last(&m, "registry::create_org"),
    );
    m.call(&p, r.add_member("acme", &m.member.account()))
        .await
        .unwrap();
    row(
        &mut out,
        "registry `add_member`",
        last(&m, "registry::add_member"),
    );
    let spec = m.spec("xray", UNIT, &["medical", "vision"]);
    let svc = m.call(&p, r.register_service("acme", spec)).await.unwrap();
    row(
        &mut out,
        "registry `register_service` (2 tags)",
        last(&m, "registry::register_service"),
    );
    let mut medical = Vec::new();
    for i in 0..9 {
        let spec = m.spec(&format!("svc{i}"), UNIT + i as u128, &["medical"]);
        medical.push(m.call(&p, r.register_service("acme", spec)).await.unwrap());
    }
    let ranked = m.dry_run(&p, r.ranked_by_tag("medical", 0, 32)).await;
    assert_eq!(ranked.value.entries.len(), 10);
    row(
        &mut out,
        "registry `ranked_by_tag` (10 services, 1 oracle call)",
        ranked.cost,
    );
    for id in &medical {
        m.call(&p, r.promote("medical", *id)).await.unwrap();
    }
    row(
        &mut out,
        "registry `promote` (joins a board of 8, no oracle call)",
        last(&m, "registry::promote"),
    );
    let top = m.dry_run(&p, r.top_by_tag("medical")).await;
    assert_eq!(top.value.entries.len(), 9);
    row(
        &mut out,
        "registry `top_by_tag` (9 members, 1 oracle call)",
        top.cost,
    );

    let c0 = m.clients[0].clone();
    let c1 = m.clients[1].clone();
    m.call(&c1, e.deposit(1_000 * UNIT)).await.unwrap();
    row(&mut out, "escrow `deposit`", last(&m, "escrow::deposit"));
    let exp = m.now().await + DAY;
    let ch = m
        .call(&c1, e.open_channel(svc, c1.signer(), 100 * UNIT, exp))
        .await
        .unwrap();
    row(
        &mut out,
        "escrow `open_channel` (1 registry call)",
        last(&m, "escrow::open_channel"),
    );
    m.open(&c0, svc, 100 * UNIT, exp).await.unwrap();
    row(
        &mut out,
        "escrow `deposit_and_open`",
        last(&m, "escrow::deposit_and_open"),
    );
    m.call(&c1, e.add_funds(ch, 10 * UNIT)).await.unwrap();
    row(
        &mut out,
        "escrow `add_funds`",
        last(&m, "escrow::add_funds"),
    );
    m.call(&c1, e.extend(ch, exp + DAY)).await.unwrap();
    row(&mut out, "escrow `extend`", last(&m, "escrow::extend"));
    let v = m.voucher(&c1, ch, 5 * UNIT);
    m.call(&p, e.claim(v)).await.unwrap();
    row(
        &mut out,
        "escrow `claim` (sr25519, transfer, 1 reputation call)",
        last(&m, "escrow::claim"),
    );
    let v = m.wrapped_voucher(&c1, ch, 6 * UNIT);
    m.call(&p, e.claim(v)).await.unwrap();
    row(
        &mut out,
        "escrow `claim` (`<Bytes>`-wrapped sr25519: two checks)",
        last(&m, "escrow::claim"),
    );
    m.rate(&c1, ch, 5).await.unwrap();
    row(
        &mut out,
        "reputation `rate` (escrow + registry calls)",
        last(&m, "reputation::rate"),
    );
    // The leaderboard's worst case: a full board of listed members, so one oracle call
    // over 33 ids; the paid and rated xray evicts the weakest (at the prior).
    for i in 9..32 {
        let spec = m.spec(&format!("svc{i}"), UNIT + i as u128, &["medical"]);
        let id = m.call(&p, r.register_service("acme", spec)).await.unwrap();
        m.call(&p, r.promote("medical", id)).await.unwrap();
    }
    m.call(&p, r.promote("medical", svc)).await.unwrap();
    row(
        &mut out,
        "registry `promote` (full board: 1 oracle call over 33 ids, evicts)",
        last(&m, "registry::promote"),
    );
    let top = m.dry_run(&p, r.top_by_tag("medical")).await;
    assert_eq!(top.value.entries.len(), 32);
    assert_eq!(top.value.entries[0].service_id, svc);
    row(
        &mut out,
        "registry `top_by_tag` (32 members, 1 oracle call)",
        top.cost,
    );
    m.call(&p, e.close(ch, None)).await.unwrap();
    row(
        &mut out,
        "escrow `close` (no final voucher)",
        last(&m, "escrow::close"),
    );
    // A short expiry, so that a node gets there in seconds too.
    let expiry = m.now().await + 6_000;
    let lapsing = m.open(&c1, svc, 10 * UNIT, expiry).await.unwrap();
    m.advance(7_000).await;
    m.call(&c1, e.refund(lapsing)).await.unwrap();
    row(
        &mut out,
        "escrow `refund` (unclaimed: 1 reputation call)",
        last(&m, "escrow::refund"),
    );
    m.call(&c1, e.withdraw(10 * UNIT)).await.unwrap();
    row(&mut out, "escrow `withdraw`", last(&m, "escrow::withdraw"));
    m.call(&m.treasury, e.withdraw_fees()).await.unwrap();
    row(
        &mut out,
        "escrow `withdraw_fees`",
        last(&m, "escrow::withdraw_fees"),
    );

    out.push_str("\nBatch claims (one payee, one service; sr25519 vouchers):\n\n");
    out.push_str("| batch | ref_time | proof_size | ref_time / channel | proof_size / channel | marginal ref_time / extra channel | marginal proof / extra channel |\n|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut one = Cost::default();
    for n in [1usize, 10, 50] {
        let vouchers = batch(&m, svc, n).await;
        let outcomes = m.claim_batch(vouchers).await;
        assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
        let c = last(&m, "escrow::claim_batch");
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
    let b = bundles();
    for b in [&b.registry, &b.reputation, &b.escrow] {
        out.push_str(&format!("| {} | {} |\n", b.name, b.wasm.len()));
    }
    out
}

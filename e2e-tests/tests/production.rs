//! The suite on the production-like runtime (`Profile::Production`: subtensor's
//! pallet-contracts settings, unstable host functions refused) with the production
//! bundles: registry, reputation and `escrow-ecdsa` (docs/production.md).
//!
//! What the runtime refuses is a real upload refusal of pallet-contracts 31: code that
//! imports a host function the runtime does not link (`Contracts::CodeRejected`). In
//! pallet-contracts 31 (and on subtensor) `sr25519_verify` is stable, so the dev escrow
//! uploads there too (asserted below); a chain that does not offer it (pallet-contracts
//! before polkadot-sdk 1.7, where it was unstable, with `UnsafeUnstableInterface =
//! false`) is stood in for by the dev escrow with its `sr25519_verify` import renamed to
//! a name no runtime offers: pallet-contracts links an unstable function it refuses
//! exactly as one it does not have (it is not defined), so the refusal is the same.
use escrow::escrow::EscrowRef;
use gb_chain::sandbox::{Profile, Sandbox};
use gb_chain::{AccountKey, Chain, Instantiation, Recorder};
use gb_client::{ink_account, Constructor};
use gb_deploy::bundle::{default_dir, Bundle, Bundles, ESCROW_ECDSA};
use gb_deploy::demo::Demo;
use gb_deploy::suite::{self, DeployError, Options};
use gb_e2e_tests::*;
use gb_interfaces::Voucher;
use gb_voucher::VoucherSigner as _;
use wasmparser_nostd::{Parser, Payload, TypeRef};

/// The host functions a Wasm imports, as (module, name).
fn imported_functions(wasm: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ImportSection(imports) = payload.expect("a valid Wasm module") {
            for import in imports {
                let import = import.expect("a valid import");
                if let TypeRef::Func(_) = import.ty {
                    out.push((import.module.to_string(), import.name.to_string()));
                }
            }
        }
    }
    out
}

fn imports(wasm: &[u8], name: &str) -> bool {
    imported_functions(wasm).iter().any(|(_, n)| n == name)
}

fn production_bundles() -> Bundles {
    Bundles::load_production(&default_dir()).unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh production-like chain with an endowed deployer.
fn production_chain() -> (Sandbox, AccountKey) {
    let chain = Sandbox::with_profile(Profile::Production);
    let deployer = AccountKey::dev("Deployer");
    chain
        .mint(&deployer.account_id(), ENDOWMENT)
        .expect("endow the deployer");
    (chain, deployer)
}

/// The dev escrow as a chain without `sr25519_verify` sees it: the import renamed (same
/// length, so the module stays valid) to a host function no runtime offers.
fn escrow_without_sr25519_host_function() -> Bundle {
    let mut escrow = bundles().escrow.clone();
    let (from, to) = (b"sr25519_verify", b"sr25519_absent");
    let at: Vec<usize> = escrow
        .wasm
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| w == from)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "escrow names sr25519_verify once (its import)");
    escrow.wasm[at[0]..at[0] + to.len()].copy_from_slice(to);
    assert!(imports(&escrow.wasm, "sr25519_absent"));
    escrow
}

#[test]
fn escrow_ecdsa_imports_no_sr25519_host_function_and_the_dev_escrow_does() {
    let dev = bundles();
    let prod = production_bundles();
    assert_eq!(prod.escrow.name, ESCROW_ECDSA);
    assert!(imports(&dev.escrow.wasm, "sr25519_verify"));
    assert!(!imports(&prod.escrow.wasm, "sr25519_verify"));
    // Both check ecdsa vouchers; registry and reputation verify no signature.
    assert!(imports(&dev.escrow.wasm, "ecdsa_recover"));
    assert!(imports(&prod.escrow.wasm, "ecdsa_recover"));
    for b in [&dev.registry, &dev.reputation] {
        assert!(!imports(&b.wasm, "sr25519_verify"), "{}", b.name);
    }
    // No bundle imports a host function pallet-contracts 31 marks `#[unstable]` (which
    // a runtime with `UnsafeUnstableInterface = false` does not link).
    const UNSTABLE: [(&str, &str); 6] = [
        ("seal1", "weight_to_fee"),
        ("seal1", "gas_left"),
        ("seal0", "xcm_execute"),
        ("seal0", "xcm_send"),
        ("seal0", "reentrance_count"),
        ("seal0", "account_reentrance_count"),
    ];
    for b in [&dev.registry, &dev.reputation, &dev.escrow, &prod.escrow] {
        for (module, name) in imported_functions(&b.wasm) {
            assert!(
                !UNSTABLE.contains(&(module.as_str(), name.as_str())),
                "{} imports the unstable {module}.{name}",
                b.name
            );
        }
    }
    // Apart from sr25519_verify, escrow-ecdsa imports what escrow does.
    let mut without = imported_functions(&dev.escrow.wasm);
    without.retain(|(_, n)| n != "sr25519_verify");
    assert_eq!(imported_functions(&prod.escrow.wasm), without);
}

#[tokio::test]
async fn production_bundles_upload_and_run_the_workflow_with_ecdsa_channels() {
    let (chain, deployer) = production_chain();
    let prod = production_bundles();
    let m = Market::on_with(chain, &prod, deployer, 100, 2, ENDOWMENT)
        .await
        .unwrap_or_else(|e| panic!("deploy the production suite: {e}"));
    assert_eq!(
        m.client.chain().inner().info().name,
        Profile::Production.describe()
    );
    assert_eq!(
        m.client.deployment().contracts.escrow.code_hash,
        prod.escrow.code_hash(),
        "escrow runs escrow-ecdsa"
    );
    assert!(!m.query(m.escrow().config()).await.sr25519_vouchers);
    let base = m.escrow_native().await;
    let svc = m.register("acme", &[("llm", UNIT, &["nlp"])]).await[0];
    let (c0, c1) = (m.clients[0].clone(), m.clients[1].clone());
    let now = m.now().await;

    // An sr25519 channel is refused with a named error, and leaves no trace.
    assert_eq!(
        m.open(&c1, svc, 10 * UNIT, now + DAY).await,
        Err(EscrowError::SchemeUnsupported)
    );
    m.check_conservation(base).await.unwrap();

    // An ecdsa channel: open, pay per call with vouchers, claim, rate.
    let open = m
        .escrow()
        .deposit_and_open(svc, ecdsa_key(&c0).signer(), 100 * UNIT, now + DAY);
    let ch = m.call(&c0, open).await.expect("an ecdsa channel");
    let escrow = m.escrow_domain();
    let mut best = None;
    for call in 1..=20u128 {
        let v = m.ecdsa_voucher(&c0, ch, call * UNIT);
        assert_eq!(
            gb_voucher::verify(&ecdsa_key(&c0).signer(), &escrow, &v),
            Ok(())
        );
        best = Some(v);
    }
    let v: Voucher = best.unwrap();
    assert_eq!(m.claim_batch(vec![v]).await, vec![Ok(20 * UNIT)]);
    assert_eq!(m.channel(ch).await.unwrap().claimed, 20 * UNIT);
    assert_eq!(m.fees_held().await, 20 * UNIT / 100);
    let before = m.score(svc).await;
    m.rate(&c0, ch, 5).await.unwrap();
    assert!(m.score(svc).await.rating_mean > before.rating_mean);
    m.check_conservation(base).await.unwrap();

    // An sr25519 voucher on the ecdsa channel is a scheme mismatch, not a payment.
    let sr = m.voucher(&c0, ch, 30 * UNIT);
    assert_eq!(
        m.claim_batch(vec![sr]).await,
        vec![Err(EscrowError::SchemeMismatch)]
    );

    // What uploading and instantiating the suite cost here (docs/production.md).
    let uploads = m.costs();
    for (name, e) in ["registry", "reputation", "escrow-ecdsa"]
        .iter()
        .zip(&uploads)
    {
        println!(
            "{name:<13} upload + instantiate: storage deposit {:>9}, {:>11} ref_time",
            e.cost.storage_deposit, e.cost.ref_time
        );
    }
}

#[tokio::test]
async fn the_dev_escrow_uploads_on_the_production_runtime_as_sr25519_verify_is_stable() {
    // pallet-contracts 31 (like subtensor's) offers sr25519_verify as a stable host
    // function: unstable functions refused or not, the dev escrow's upload is accepted.
    let (chain, deployer) = production_chain();
    let who = deployer.account_id();
    let genesis = chain.info().genesis().expect("the sandbox's genesis hash");
    let escrow_new = Constructor::of(
        "escrow::new",
        EscrowRef::new(ink_account(&who), 0, ink_account(&who), genesis),
    );
    for (bundle, accepted) in [
        (bundles().escrow.clone(), true),
        (escrow_without_sr25519_host_function(), false),
    ] {
        let inst = Instantiation {
            code: bundle.wasm,
            data: escrow_new.data.clone(),
            salt: vec![],
            value: 0,
        };
        match chain.dry_run_instantiate(&who, &inst).await {
            Ok(dry) => {
                assert!(accepted && !dry.reverted);
                println!(
                    "escrow (dev) upload + instantiate dry run: storage deposit {}",
                    dry.cost.storage_deposit
                );
            }
            Err(e) => assert!(!accepted && e.is_code_rejected(), "{e}"),
        }
    }
}

#[tokio::test]
async fn gb_deploy_deploys_escrow_ecdsa_where_the_chain_refuses_escrows_code() {
    let (chain, deployer) = production_chain();
    let mut b = bundles().clone();
    b.escrow = escrow_without_sr25519_host_function();
    b.escrow_ecdsa = Some(production_bundles().escrow);
    let m = Market::on_with(chain, &b, deployer, 0, 1, ENDOWMENT)
        .await
        .unwrap_or_else(|e| panic!("deploy with the fallback: {e}"));
    assert_eq!(
        m.client.deployment().contracts.escrow.code_hash,
        b.escrow_ecdsa.as_ref().unwrap().code_hash()
    );
    assert!(!m.query(m.escrow().config()).await.sr25519_vouchers);
    // The fallback suite works: an ecdsa channel opens, an sr25519 one is refused.
    let svc = m.register("acme", &[("llm", UNIT, &["nlp"])]).await[0];
    let c = m.clients[0].clone();
    let now = m.now().await;
    assert_eq!(
        m.open(&c, svc, UNIT, now + DAY).await,
        Err(EscrowError::SchemeUnsupported)
    );
    let open = m
        .escrow()
        .deposit_and_open(svc, ecdsa_key(&c).signer(), UNIT, now + DAY);
    assert!(m.call(&c, open).await.is_ok());
}

#[tokio::test]
async fn gb_deploy_says_what_to_do_where_the_chain_refuses_escrow_and_no_ecdsa_bundle_is_built() {
    let (chain, deployer) = production_chain();
    let chain = Recorder::new(chain);
    let mut b = bundles().clone();
    b.escrow = escrow_without_sr25519_host_function();
    b.escrow_ecdsa = None;
    let opts = Options {
        fee_bps: 0,
        treasury: deployer.account_id(),
        salt: vec![],
    };
    let e = suite::deploy(&chain, &b, &deployer, &opts)
        .await
        .expect_err("the chain refuses escrow's code");
    assert!(
        matches!(e, DeployError::EscrowCodeRejected { ecdsa_tried: false }),
        "{e}"
    );
    let text = e.to_string();
    for needle in [
        "Contracts::CodeRejected",
        "sr25519_verify",
        "bash scripts/contracts.sh",
        "escrow-ecdsa/escrow-ecdsa.contract",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // Found by dry runs: nothing was submitted (no registry, no reputation left behind).
    assert!(chain.entries().is_empty(), "{:?}", chain.entries());
}

#[tokio::test]
async fn the_demo_runs_with_escrow_ecdsa_and_ecdsa_voucher_keys() {
    let (chain, deployer) = production_chain();
    let chain = Recorder::new(chain);
    let opts = Options {
        fee_bps: 100,
        treasury: Who::dev("Ferdie").account(),
        salt: vec![],
    };
    let d = suite::deploy(&chain, &production_bundles(), &deployer, &opts)
        .await
        .unwrap_or_else(|e| panic!("deploy: {e}"));
    let client = gb_client::Client::new(chain, d);
    let mut demo = Demo::new(client, &deployer, 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let steps = demo.run(|_| {}).await.unwrap_or_else(|e| panic!("{e}"));
    let facts = |title: &str| &steps.iter().rev().find(|s| s.title == title).unwrap().facts;
    assert_eq!(facts("pay per call")["scheme"], "ecdsa");
    assert_eq!(facts("batch claim")["channels"], 4);
    assert_eq!(facts("books")["balanced"], true);
}

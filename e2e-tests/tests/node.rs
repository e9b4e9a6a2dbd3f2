//! The node layer: the three contracts on a real `substrate-contracts-node`, driven by
//! ink_e2e 5.1.1 (subxt) — real extrinsics, real blocks, the node's own sr25519 host
//! functions and block timestamps.
//!
//! Behind the `e2e-tests` feature. Run with `bash scripts/node-tests.sh`, which starts
//! no node itself: every test spawns its own `substrate-contracts-node` (from `PATH` or
//! `CONTRACTS_NODE`) and kills it when the test ends, or uses the node at
//! `CONTRACTS_NODE_URL`. ink_e2e builds the three contracts (debug mode) from this
//! crate's dependencies before the first test.
#![cfg(feature = "e2e-tests")]

use escrow::{
    errors::Error as EscrowError,
    escrow::{Escrow, EscrowRef},
    types::ClaimOutcome,
};
use gb_interfaces::{AccountId, Balance, ChannelId, ChannelState, ServiceId, Timestamp, Voucher};
use gb_voucher::{VoucherKey, VoucherSigner as _};
use ink_e2e::{ChainBackend, ContractsBackend, Keypair};
use registry::{
    registry::{Registry, RegistryRef},
    types::ServiceSpec,
    Error as RegistryError,
};
use reputation::{
    reputation::{Reputation, ReputationRef},
    Error as ReputationError,
};
use scale::Decode;

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;
type Client = ink_e2e::Client<ink_e2e::PolkadotConfig, ink::env::DefaultEnvironment>;

/// One reference call price.
const UNIT: Balance = 10_000_000_000;
const DAY: Timestamp = 24 * 3_600_000;

/// The deployed, wired suite.
struct Suite {
    registry: AccountId,
    reputation: AccountId,
    escrow: AccountId,
}

fn id(k: &Keypair) -> AccountId {
    AccountId::from(k.public_key().0)
}

/// The key a client signs its vouchers with, off chain (not its account key).
fn voucher_key(seed: &str) -> VoucherKey {
    VoucherKey::sr25519(&format!("//{seed}//vouchers")).expect("dev seed")
}

/// The genesis hash the escrow of these tests is instantiated with. ink_e2e 5.1.1 does
/// not expose the node's genesis hash (nor its URL, when it spawns the node), and a
/// contract cannot check the value: these tests pass this marker and sign for it (an
/// escrow accepts the vouchers of the chain it was told). `gb-deploy` passes the
/// node's real genesis hash (tests/cli_node.rs and the drink suite cover that path).
const GENESIS: [u8; 32] = [0x9e; 32];

/// `key`'s voucher for `amount` in total on `channel` of the escrow at `escrow` (on the
/// chain `GENESIS`).
fn sign(key: &VoucherKey, escrow: &AccountId, channel: ChannelId, amount: Balance) -> Voucher {
    let domain = gb_interfaces::VoucherDomain::new(GENESIS, *escrow.as_ref());
    gb_voucher::sign(key, &domain, channel, amount)
}

/// Milliseconds since the Unix epoch: the node stamps its blocks with the system time.
fn wall_clock() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as Timestamp
}

/// Uploads and instantiates registry, reputation(registry), escrow(registry, fee,
/// treasury) as `deployer`, then the three one-time wiring calls (DESIGN.md §2).
async fn deploy(
    client: &mut Client,
    deployer: &Keypair,
    fee_bps: u16,
    treasury: AccountId,
) -> Suite {
    let registry = client
        .instantiate("registry", deployer, &mut RegistryRef::new())
        .submit()
        .await
        .expect("instantiate registry")
        .account_id;
    let reputation = client
        .instantiate("reputation", deployer, &mut ReputationRef::new(registry))
        .submit()
        .await
        .expect("instantiate reputation")
        .account_id;
    let escrow = client
        .instantiate(
            "escrow",
            deployer,
            &mut EscrowRef::new(registry, fee_bps, treasury, GENESIS),
        )
        .submit()
        .await
        .expect("instantiate escrow")
        .account_id;
    let mut r = ink_e2e::create_call_builder::<Registry>(registry);
    let wired = client
        .call(deployer, &r.set_reputation(reputation))
        .submit()
        .await;
    assert_eq!(
        wired.expect("registry.set_reputation").return_value(),
        Ok(())
    );
    let mut p = ink_e2e::create_call_builder::<Reputation>(reputation);
    let wired = client.call(deployer, &p.set_escrow(escrow)).submit().await;
    assert_eq!(wired.expect("reputation.set_escrow").return_value(), Ok(()));
    let mut e = ink_e2e::create_call_builder::<Escrow>(escrow);
    let wired = client
        .call(deployer, &e.set_reputation(reputation))
        .submit()
        .await;
    assert_eq!(wired.expect("escrow.set_reputation").return_value(), Ok(()));
    Suite {
        registry,
        reputation,
        escrow,
    }
}

fn spec(name: &str, price: Balance, payee: AccountId, tags: &[&str]) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        price,
        payee,
        endpoint: format!("https://{name}.example/v1"),
        metadata_uri: format!("ipfs://{name}"),
        metadata_hash: [7; 32],
        tags: tags.iter().map(|t| t.to_string()).collect(),
    }
}

/// `provider` creates org `org` (with `member`) and registers one service per spec.
async fn register(
    client: &mut Client,
    s: &Suite,
    provider: &Keypair,
    member: AccountId,
    org: &str,
    services: &[(&str, Balance, &[&str])],
) -> Vec<ServiceId> {
    let mut r = ink_e2e::create_call_builder::<Registry>(s.registry);
    let done = client
        .call(provider, &r.create_org(org.into()))
        .submit()
        .await;
    assert_eq!(done.expect("create_org").return_value(), Ok(()));
    let done = client
        .call(provider, &r.add_member(org.into(), member))
        .submit()
        .await;
    assert_eq!(done.expect("add_member").return_value(), Ok(()));
    let mut ids = Vec::new();
    for (name, price, tags) in services {
        let msg = r.register_service(org.into(), spec(name, *price, id(provider), tags));
        let done = client.call(provider, &msg).submit().await;
        ids.push(
            done.expect("register_service")
                .return_value()
                .expect("service id"),
        );
    }
    ids
}

/// Service ids of the first page of `tag`, best first.
async fn ranked(client: &mut Client, s: &Suite, tag: &str) -> Vec<(ServiceId, u32)> {
    let r = ink_e2e::create_call_builder::<Registry>(s.registry);
    let page = client
        .call(&ink_e2e::alice(), &r.ranked_by_tag(tag.into(), 0, 32))
        .dry_run()
        .await
        .expect("ranked_by_tag")
        .return_value();
    page.entries
        .iter()
        .map(|e| (e.service_id, e.score))
        .collect()
}

/// `client` deposits `funds` and opens a channel on `service`, vouchers signed by `key`.
async fn open(
    client: &mut Client,
    s: &Suite,
    who: &Keypair,
    key: &VoucherKey,
    service: ServiceId,
    funds: Balance,
    expiry: Timestamp,
) -> ChannelId {
    let mut e = ink_e2e::create_call_builder::<Escrow>(s.escrow);
    let signer = key.signer();
    let done = client
        .call(who, &e.deposit_and_open(service, signer, expiry))
        .value(funds)
        .submit()
        .await;
    done.expect("deposit_and_open")
        .return_value()
        .expect("channel id")
}

/// What a submitted call cost its caller on top of the contract's own transfers: the
/// storage deposit (as the dry run charged it) plus the transaction fee (from the
/// `TransactionFeePaid` event).
fn caller_costs(
    deposit: &drink::pallet_contracts::StorageDeposit<Balance>,
    events: &ink_e2e::subxt::blocks::ExtrinsicEvents<ink_e2e::PolkadotConfig>,
) -> i128 {
    let deposit = match deposit {
        drink::pallet_contracts::StorageDeposit::Charge(c) => *c as i128,
        drink::pallet_contracts::StorageDeposit::Refund(r) => -(*r as i128),
    };
    let fee: Balance = events
        .iter()
        .flatten()
        .filter(|ev| ev.pallet_name() == "TransactionPayment")
        .filter(|ev| ev.variant_name() == "TransactionFeePaid")
        // { who: AccountId32, actual_fee: u128 (the tip included), tip: u128 }
        .filter_map(|ev| <([u8; 32], Balance, Balance)>::decode(&mut ev.field_bytes()).ok())
        .map(|(_, actual_fee, _tip)| actual_fee)
        .sum();
    deposit + fee as i128
}

/// Seals a new block (a `System::remark`): its timestamp is the node's clock now.
async fn seal_block(client: &mut Client, who: &Keypair) -> E2EResult<()> {
    let remark = vec![ink_e2e::subxt::dynamic::Value::from_bytes(b"")];
    client
        .runtime_call(who, "System", "remark", remark)
        .await
        .map_err(|e| format!("System::remark: {e:?}"))?;
    Ok(())
}

#[ink_e2e::test]
async fn deploy_trade_rate_rerank_refund(mut client: Client) -> E2EResult<()> {
    // Deployer alice, provider bob (member charlie), clients dave and eve, treasury ferdie.
    let (alice, bob, charlie, dave, eve, ferdie) = (
        ink_e2e::alice(),
        ink_e2e::bob(),
        ink_e2e::charlie(),
        ink_e2e::dave(),
        ink_e2e::eve(),
        ink_e2e::ferdie(),
    );
    let s = deploy(&mut client, &alice, 100, id(&ferdie)).await;

    // Wiring is readable back.
    let r = ink_e2e::create_call_builder::<Registry>(s.registry);
    let wired = client
        .call(&alice, &r.reputation())
        .dry_run()
        .await?
        .return_value();
    assert_eq!(wired, Some(s.reputation));
    let p = ink_e2e::create_call_builder::<Reputation>(s.reputation);
    let wired = client
        .call(&alice, &p.escrow())
        .dry_run()
        .await?
        .return_value();
    assert_eq!(wired, Some(s.escrow));

    // Register in two vertical markets; at the prior the cheaper service ranks first.
    let ids = register(
        &mut client,
        &s,
        &bob,
        id(&charlie),
        "acme",
        &[
            ("xray", UNIT, &["medical"]),
            ("triage", 8 * UNIT / 10, &["medical"]),
            ("fraud", 2 * UNIT, &["financial"]),
        ],
    )
    .await;
    let (xray, triage, fraud) = (ids[0], ids[1], ids[2]);
    let before = ranked(&mut client, &s, "medical").await;
    assert_eq!(
        before.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![triage, xray]
    );
    assert_eq!(ranked(&mut client, &s, "financial").await[0].0, fraud);

    // Dave and eve open channels on xray; their vouchers are signed off chain.
    let (kd, ke) = (voucher_key("Dave"), voucher_key("Eve"));
    let far = wall_clock() + DAY;
    let ch_d = open(&mut client, &s, &dave, &kd, xray, 100 * UNIT, far).await;
    let ch_e = open(&mut client, &s, &eve, &ke, xray, 100 * UNIT, far).await;
    let mut e = ink_e2e::create_call_builder::<Escrow>(s.escrow);
    let channel = client
        .call(&dave, &e.channel(ch_d))
        .dry_run()
        .await?
        .return_value();
    let channel = channel.expect("channel stored");
    assert_eq!((channel.funds, channel.claimed), (100 * UNIT, 0));

    // Single claim: bob claims dave's voucher for 10 calls, verified by the node. Bob
    // gets 99 % of it (the 1 % protocol fee stays in escrow) and pays the transaction
    // fee and the storage deposit of the records the claim creates.
    let bob_before = client.free_balance(id(&bob)).await?;
    let claim = e.claim(
        ch_d,
        10 * UNIT,
        sign(&kd, &s.escrow, ch_d, 10 * UNIT).signature,
    );
    let done = client.call(&bob, &claim).submit().await?;
    let costs = caller_costs(&done.dry_run.exec_result.storage_deposit, &done.events);
    assert_eq!(done.return_value(), Ok(10 * UNIT));
    let bob_after = client.free_balance(id(&bob)).await?;
    assert_eq!(
        bob_after as i128 - bob_before as i128,
        (10 * UNIT - 10 * UNIT / 100) as i128 - costs,
        "payee paid the net amount"
    );

    // Batch claim: dave's next voucher, eve's `<Bytes>`-wrapped one (a browser wallet),
    // and a forged one that fails alone.
    let wrapped = sign(&ke.clone().wrapped(), &s.escrow, ch_e, 5 * UNIT);
    let forged = sign(&ke, &s.escrow, ch_d, 50 * UNIT);
    let batch = vec![sign(&kd, &s.escrow, ch_d, 30 * UNIT), wrapped, forged];
    let out = client.call(&bob, &e.claim_batch(batch)).submit().await?;
    let out: Vec<ClaimOutcome> = out.return_value().expect("batch accepted");
    assert_eq!(
        out,
        vec![
            Ok(20 * UNIT),
            Ok(5 * UNIT),
            Err(EscrowError::InvalidSignature)
        ]
    );
    let fees = client
        .call(&alice, &e.fees_held())
        .dry_run()
        .await?
        .return_value();
    assert_eq!(fees, 35 * UNIT / 100, "1 % of 35 U claimed");

    // Rating by the paying clients moves xray above the cheaper, unrated triage.
    let mut p = ink_e2e::create_call_builder::<Reputation>(s.reputation);
    for (who, ch) in [(&dave, ch_d), (&eve, ch_e)] {
        let rated = client
            .call(who, &p.rate(ch, 5))
            .submit()
            .await?
            .return_value();
        assert_eq!(rated, Ok(()));
    }
    let after = ranked(&mut client, &s, "medical").await;
    assert_eq!(after[0].0, xray, "rated xray leads: {after:?}");
    assert!(after[0].1 > before.iter().find(|e| e.0 == xray).expect("xray").1);

    // Refund after a short expiry: nothing claimed on triage; wait out 6 s of blocks.
    let kc = voucher_key("Ferdie");
    let expiry = wall_clock() + 6_000;
    let ch_f = open(&mut client, &s, &ferdie, &kc, triage, 7 * UNIT, expiry).await;
    let early = client
        .call(&ferdie, &e.refund(ch_f))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(early, Err(EscrowError::NotExpired));
    while wall_clock() <= expiry + 1_000 {
        ink_e2e::tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // Calls are dry-run on the last block, stamped when it was sealed; the dev node seals
    // only on transactions, so seal one past the expiry (a remark).
    seal_block(&mut client, &alice).await?;
    let refunded = client
        .call(&ferdie, &e.refund(ch_f))
        .submit()
        .await?
        .return_value();
    assert_eq!(refunded, Ok(7 * UNIT));
    let closed = client
        .call(&ferdie, &e.channel(ch_f))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(closed.expect("channel").state, ChannelState::Closed);
    let back = client
        .call(&ferdie, &e.balance_of(id(&ferdie)))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(back, 7 * UNIT);
    let out = client
        .call(&ferdie, &e.withdraw(7 * UNIT))
        .submit()
        .await?
        .return_value();
    assert_eq!(out, Ok(()));

    // The books balance against the contract's real balance on the node.
    let acc = client
        .call(&alice, &e.accounting())
        .dry_run()
        .await?
        .return_value();
    let native = client.free_balance(s.escrow).await?;
    assert!(
        native >= acc.balances + acc.locked + acc.fees,
        "escrow holds {native}, owes {acc:?}"
    );
    Ok(())
}

#[ink_e2e::test]
async fn rejections_on_a_real_node(mut client: Client) -> E2EResult<()> {
    let (alice, bob, charlie, dave, eve) = (
        ink_e2e::alice(),
        ink_e2e::bob(),
        ink_e2e::charlie(),
        ink_e2e::dave(),
        ink_e2e::eve(),
    );
    let s = deploy(&mut client, &alice, 0, id(&alice)).await;
    let svc = register(
        &mut client,
        &s,
        &bob,
        id(&charlie),
        "acme",
        &[("llm", UNIT, &["nlp"])],
    )
    .await[0];
    let mut r = ink_e2e::create_call_builder::<Registry>(s.registry);
    let mut e = ink_e2e::create_call_builder::<Escrow>(s.escrow);
    let mut p = ink_e2e::create_call_builder::<Reputation>(s.reputation);

    // Wiring is owner-only and a taken org id stays taken.
    let rewire = client
        .call(&eve, &r.set_reputation(id(&eve)))
        .dry_run()
        .await?;
    assert_eq!(rewire.return_value(), Err(RegistryError::NotOwner));
    let taken = client
        .call(&eve, &r.create_org("acme".into()))
        .dry_run()
        .await?;
    assert_eq!(taken.return_value(), Err(RegistryError::OrgIdTaken));
    // A rejected message reverts: submitting it fails on chain and changes nothing.
    assert!(client
        .call(&eve, &r.create_org("acme".into()))
        .submit()
        .await
        .is_err());

    // Opening: unknown service, expiry in the past.
    let kd = voucher_key("Dave");
    let signer = kd.signer();
    let now = wall_clock();
    let unknown = client
        .call(&dave, &e.deposit_and_open(999, signer, now + DAY))
        .value(UNIT)
        .dry_run()
        .await?;
    assert_eq!(unknown.return_value(), Err(EscrowError::ServiceNotFound));
    let past = client
        .call(&dave, &e.deposit_and_open(svc, signer, now - DAY))
        .value(UNIT)
        .dry_run()
        .await?;
    assert_eq!(past.return_value(), Err(EscrowError::ExpiryInPast));

    let ch = open(&mut client, &s, &dave, &kd, svc, 10 * UNIT, now + DAY).await;
    // Claims: not the payee, a voucher signed by the wrong key, above the funds.
    let good = sign(&kd, &s.escrow, ch, 2 * UNIT).signature;
    let by_eve = client
        .call(&eve, &e.claim(ch, 2 * UNIT, good))
        .dry_run()
        .await?;
    assert_eq!(by_eve.return_value(), Err(EscrowError::NotPayee));
    let wrong_key = sign(&voucher_key("Eve"), &s.escrow, ch, 2 * UNIT).signature;
    let forged = client
        .call(&bob, &e.claim(ch, 2 * UNIT, wrong_key))
        .dry_run()
        .await?;
    assert_eq!(forged.return_value(), Err(EscrowError::InvalidSignature));
    let too_much = sign(&kd, &s.escrow, ch, 11 * UNIT).signature;
    let over = client
        .call(&bob, &e.claim(ch, 11 * UNIT, too_much))
        .dry_run()
        .await?;
    assert_eq!(over.return_value(), Err(EscrowError::AmountExceedsFunds));
    // A voucher for another escrow's channel (replay across deployments) is invalid.
    let elsewhere = sign(&kd, &s.registry, ch, 2 * UNIT).signature;
    let replay = client
        .call(&bob, &e.claim(ch, 2 * UNIT, elsewhere))
        .dry_run()
        .await?;
    assert_eq!(replay.return_value(), Err(EscrowError::InvalidSignature));
    // Issue 18 L8: signed for this escrow's address and channel on another chain.
    let other_chain = gb_interfaces::VoucherDomain::new([0xB0; 32], *s.escrow.as_ref());
    let cross_chain = gb_voucher::sign(&kd, &other_chain, ch, 2 * UNIT).signature;
    let cross = client
        .call(&bob, &e.claim(ch, 2 * UNIT, cross_chain))
        .dry_run()
        .await?;
    assert_eq!(cross.return_value(), Err(EscrowError::InvalidSignature));

    // Rating before anything was claimed, then a good claim, then a replay of it.
    let early = client.call(&dave, &p.rate(ch, 5)).dry_run().await?;
    assert_eq!(early.return_value(), Err(ReputationError::NothingClaimed));
    let voucher = sign(&kd, &s.escrow, ch, 2 * UNIT).signature;
    let claim = e.claim(ch, 2 * UNIT, voucher);
    assert_eq!(
        client.call(&bob, &claim).submit().await?.return_value(),
        Ok(2 * UNIT)
    );
    let again = client
        .call(&bob, &e.claim(ch, 2 * UNIT, voucher))
        .dry_run()
        .await?;
    assert_eq!(
        again.return_value(),
        Err(EscrowError::AmountNotAboveClaimed)
    );

    // Ratings: not the channel's client, bad stars, then once only; refund not yet due.
    let stranger = client.call(&eve, &p.rate(ch, 5)).dry_run().await?;
    assert_eq!(
        stranger.return_value(),
        Err(ReputationError::NotChannelClient)
    );
    let stars = client.call(&dave, &p.rate(ch, 6)).dry_run().await?;
    assert_eq!(stars.return_value(), Err(ReputationError::InvalidStars));
    assert_eq!(
        client
            .call(&dave, &p.rate(ch, 4))
            .submit()
            .await?
            .return_value(),
        Ok(())
    );
    let twice = client.call(&dave, &p.rate(ch, 5)).dry_run().await?;
    assert_eq!(twice.return_value(), Err(ReputationError::AlreadyRated));
    let refund = client.call(&dave, &e.refund(ch)).dry_run().await?;
    assert_eq!(refund.return_value(), Err(EscrowError::NotExpired));

    // Self-dealing: an org member pays its own org's service and rates it.
    let kc = voucher_key("Charlie");
    let own = open(&mut client, &s, &charlie, &kc, svc, 3 * UNIT, now + DAY).await;
    let claim = e.claim(own, UNIT, sign(&kc, &s.escrow, own, UNIT).signature);
    assert_eq!(
        client.call(&bob, &claim).submit().await?.return_value(),
        Ok(UNIT)
    );
    let self_rating = client.call(&charlie, &p.rate(own, 5)).dry_run().await?;
    assert_eq!(self_rating.return_value(), Err(ReputationError::Affiliated));

    // Withdrawing more than the internal balance.
    let w = client.call(&dave, &e.withdraw(UNIT)).dry_run().await?;
    assert_eq!(w.return_value(), Err(EscrowError::InsufficientBalance));
    Ok(())
}

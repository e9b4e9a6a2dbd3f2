//! gb-client on the in-process chain, through a deployment made by gb-deploy's suite:
//! typed contract errors a caller can match, decoded events, the finalized-event
//! subscription, and the cost recorder. Needs the contract bundles (`GB_BUNDLES_DIR`).

use futures::StreamExt as _;
use gb_chain::{sandbox::Sandbox, AccountKey, Chain, Recorder};
use gb_client::events::{EscrowEvent, RegistryEvent};
use gb_client::{errors::RegistryError, Client, ContractError, SuiteEvent};
use gb_deploy::{actors::UNIT, bundle, suite, Bundles, Options};

async fn deployed() -> Client<Recorder<Sandbox>> {
    let bundles = Bundles::load(&bundle::default_dir()).unwrap_or_else(|e| panic!("{e}"));
    let chain = Recorder::new(Sandbox::new());
    let deployer = AccountKey::dev("Alice");
    chain
        .inner()
        .mint(&deployer.account_id(), 1_000_000 * UNIT)
        .unwrap();
    let opts = Options {
        fee_bps: 100,
        treasury: AccountKey::dev("Ferdie").account_id(),
        salt: vec![1],
    };
    let deployment = suite::deploy(&chain, &bundles, &deployer, &opts)
        .await
        .unwrap();
    Client::new(chain, deployment)
}

#[tokio::test]
async fn a_contract_error_is_a_typed_variant_and_nothing_is_submitted() {
    let client = deployed().await;
    let alice = AccountKey::dev("Alice");
    client
        .send(&alice, client.registry().create_org("acme"))
        .await
        .unwrap();
    let recorded = client.chain().entries().len();
    let err = client
        .send(&alice, client.registry().create_org("acme"))
        .await
        .unwrap_err();
    assert_eq!(
        err.contract_error(),
        Some(ContractError::Registry(RegistryError::OrgIdTaken))
    );
    assert_eq!(err.registry_error(), Some(RegistryError::OrgIdTaken));
    assert!(
        err.to_string()
            .starts_with("registry::create_org: registry refused: OrgIdTaken"),
        "{err}"
    );
    assert_eq!(
        client.chain().entries().len(),
        recorded,
        "a refused call is not submitted"
    );
}

#[tokio::test]
async fn sent_calls_carry_their_decoded_events_and_subscribers_see_them() {
    let client = deployed().await;
    let mut blocks = client.chain().subscribe().await.unwrap();
    let alice = AccountKey::dev("Alice");
    let sent = client
        .send(&alice, client.registry().create_org("acme"))
        .await
        .unwrap();
    assert!(
        matches!(&sent.events[..], [SuiteEvent::Registry(RegistryEvent::OrgCreated(e))] if e.org_id == "acme"),
        "{:?}",
        sent.events
    );
    let block = blocks.next().await.unwrap().unwrap();
    assert_eq!(block.block, sent.block);
    assert_eq!(block.events.len(), 1);
    assert_eq!(
        gb_client::decode_event(client.deployment(), &block.events[0]),
        sent.events.first().cloned()
    );

    let deposit = client
        .send(&alice, client.escrow().deposit(5 * UNIT))
        .await
        .unwrap();
    assert!(
        matches!(&deposit.events[..], [SuiteEvent::Escrow(EscrowEvent::Deposited(d))] if d.amount == 5 * UNIT),
        "{:?}",
        deposit.events
    );
    assert_eq!(
        client
            .query(client.escrow().balance_of(&alice.account_id()))
            .await
            .unwrap(),
        5 * UNIT
    );
}

#[tokio::test]
async fn the_recorder_keeps_one_entry_per_submitted_call_with_its_label() {
    let client = deployed().await;
    // Deployment: 3 instantiations and 3 wiring calls.
    assert_eq!(client.chain().entries().len(), 6);
    let alice = AccountKey::dev("Alice");
    client.chain().label_next("registry::create_org");
    client
        .send(&alice, client.registry().create_org("acme"))
        .await
        .unwrap();
    let last = client.chain().entries().pop().unwrap();
    assert_eq!(last.label, "registry::create_org");
    assert!(last.cost.ref_time > 0 && last.cost.storage_deposit > 0);
    // A query is a dry run: not recorded.
    client.query(client.registry().org("acme")).await.unwrap();
    assert_eq!(client.chain().entries().len(), 7);
}

#[tokio::test]
async fn a_refused_call_drops_its_label() {
    let client = deployed().await;
    let alice = AccountKey::dev("Alice");
    client.chain().label_next("escrow::withdraw");
    let refused = client.send(&alice, client.escrow().withdraw(UNIT)).await;
    assert!(refused.is_err());
    client
        .send(&alice, client.registry().create_org("acme"))
        .await
        .unwrap();
    let last = client.chain().entries().pop().unwrap();
    assert_ne!(
        last.label, "escrow::withdraw",
        "the refused call's label moved on"
    );
}

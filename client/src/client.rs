//! [`Client`]: runs typed [`Message`]s on a chain, for a deployment of the suite.

use crate::deployment::Deployment;
use crate::error::ClientError;
use crate::escrow_api::EscrowApi;
use crate::events::{decode_event, SuiteEvent};
use crate::message::{Message, Outcome};
use crate::registry_api::RegistryApi;
use crate::reputation_api::ReputationApi;
use gb_chain::{AccountId, AccountKey, Balance, BlockRef, Chain, Cost, DryRun};
use scale::Decode;

/// A submitted message that is in a block.
#[derive(Debug, Clone)]
pub struct Sent<T> {
    /// The message's return value (from the dry run made just before submitting).
    pub value: T,
    pub cost: Cost,
    pub block: BlockRef,
    /// The events the call emitted, decoded (events of other contracts are skipped).
    pub events: Vec<SuiteEvent>,
    /// The transaction fee the signer paid (0 in the sandbox).
    pub fee: Balance,
}

/// A dry-run message: what it would return and cost.
#[derive(Debug, Clone)]
pub struct Quote<T> {
    pub value: T,
    pub cost: Cost,
}

/// A deployed suite on a chain.
pub struct Client<C> {
    chain: C,
    deployment: Deployment,
}

impl<C: Chain> Client<C> {
    pub fn new(chain: C, deployment: Deployment) -> Self {
        Client { chain, deployment }
    }

    pub fn chain(&self) -> &C {
        &self.chain
    }

    pub fn deployment(&self) -> &Deployment {
        &self.deployment
    }

    /// Gives the chain back.
    pub fn into_chain(self) -> C {
        self.chain
    }

    pub fn registry(&self) -> RegistryApi {
        RegistryApi::at(self.deployment.registry().clone())
    }

    pub fn escrow(&self) -> EscrowApi {
        EscrowApi::at(self.deployment.escrow().clone())
    }

    /// The domain of the escrow's vouchers (v2): the genesis hash of the chain this
    /// client is connected to (`Chain::info`, not the deployment file's) and the
    /// escrow's address. A voucher signed in it is valid at that escrow only if the
    /// escrow was deployed for this chain (`config().genesis_hash`; `gb-deploy verify`
    /// checks it). A chain whose genesis hash does not parse (no backend makes one)
    /// gives zeros, which no escrow is deployed for.
    pub fn voucher_domain(&self) -> gb_interfaces::VoucherDomain {
        let genesis = self.chain.info().genesis().unwrap_or([0; 32]);
        self.escrow().voucher_domain(genesis)
    }

    pub fn reputation(&self) -> ReputationApi {
        ReputationApi::at(self.deployment.reputation().clone())
    }

    /// Reads: a dry run from the chain's query origin.
    pub async fn query<O: Outcome>(&self, m: Message<O>) -> Result<O::Value, ClientError> {
        let origin = self.chain.query_origin();
        Ok(self.dry_run(&origin, m).await?.value)
    }

    /// A dry run as `origin`: the value the message would return (or the contract's
    /// error) and its cost. Nothing changes on chain.
    pub async fn dry_run<O: Outcome>(
        &self,
        origin: &AccountId,
        m: Message<O>,
    ) -> Result<Quote<O::Value>, ClientError> {
        let dry = self.chain.dry_run(origin, &m.call).await?;
        let value = output::<O>(m.label, &dry)?;
        Ok(Quote {
            value,
            cost: dry.cost,
        })
    }

    /// Dry-runs the message as `signer`; if the contract accepts, submits it signed and
    /// waits for its block. A contract error is returned without submitting (it would
    /// change nothing).
    pub async fn send<O: Outcome>(
        &self,
        signer: &AccountKey,
        m: Message<O>,
    ) -> Result<Sent<O::Value>, ClientError> {
        let submitted = self.chain.submit(signer, &m.call).await?;
        let value = output::<O>(m.label, &submitted.dry_run)?;
        let events = submitted
            .events
            .iter()
            .filter_map(|e| decode_event(&self.deployment, e))
            .collect();
        Ok(Sent {
            value,
            cost: submitted.dry_run.cost,
            block: submitted.block,
            events,
            fee: submitted.fee,
        })
    }
}

/// Decodes ink!'s `Result<O, LangError>` envelope, then the contract's outcome.
fn output<O: Outcome>(label: &'static str, dry: &DryRun) -> Result<O::Value, ClientError> {
    match <Result<O, u8>>::decode(&mut &dry.data[..]) {
        Ok(Ok(outcome)) => outcome
            .into_value()
            .map_err(|error| ClientError::Contract { label, error }),
        Ok(Err(code)) => Err(ClientError::LangError { label, code }),
        Err(_) if dry.reverted && dry.data.is_empty() => Err(ClientError::Trapped {
            label,
            debug: dry.debug.clone(),
        }),
        Err(e) => Err(ClientError::Decode {
            label,
            reason: e.to_string(),
        }),
    }
}

//! What the suite, the market and the demo need from a chain, implemented by the
//! in-process drink chain ([`crate::Chain`]) and by a real node over subxt
//! ([`crate::node::Node`]). The raw operations move SCALE bytes; the provided methods
//! add ink's selectors and `Result<_, LangError>` envelope.

use crate::bundle::Bundle;
use drink::AccountId32;
use gb_interfaces::{Balance, Timestamp};
use scale::{Decode, Encode};

/// Gas and storage deposit of one call, as pallet-contracts reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub ref_time: u64,
    pub proof_size: u64,
    /// Positive: charged; negative: refunded.
    pub storage_deposit: i128,
}

/// A call or instantiation that failed: reverted, trapped or was not dispatched.
#[derive(Debug, Clone)]
pub struct Reverted {
    /// Output bytes of a revert (the SCALE-encoded `Result<Result<_, Error>, LangError>`),
    /// empty for a trap.
    pub data: Vec<u8>,
    /// The dispatch error or trap description, if any.
    pub reason: String,
    /// The contracts' debug buffer.
    pub debug: String,
}

impl Reverted {
    /// A failure outside any contract (connection, funds, transaction pool).
    pub fn chain(reason: impl Into<String>) -> Self {
        Reverted {
            data: Vec::new(),
            reason: reason.into(),
            debug: String::new(),
        }
    }
}

impl std::fmt::Display for Reverted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reason)?;
        if !self.debug.is_empty() {
            write!(f, " (contract debug output: {})", self.debug.trim())?;
        }
        Ok(())
    }
}

impl std::error::Error for Reverted {}

/// A chain the suite can be deployed on.
pub trait Backend {
    /// Instantiates `bundle`'s code (uploading it if the chain lacks it) with constructor
    /// input `data`; returns the new contract's address.
    fn instantiate(
        &mut self,
        bundle: &Bundle,
        data: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Cost), Reverted>;

    /// Calls `contract` with message input `data` and returns its raw output (ink's
    /// `Result<_, LangError>` encoding). A dry run changes no state. A call whose dry
    /// run reverts is not submitted: it would change nothing either.
    fn exec(
        &mut self,
        contract: &AccountId32,
        data: Vec<u8>,
        origin: &AccountId32,
        value: Balance,
        dry_run: bool,
    ) -> Result<(Vec<u8>, Cost), Reverted>;

    /// Makes sure `who` has at least `amount` free (drink mints; a node tops up from the
    /// deployer).
    fn fund(&mut self, who: &AccountId32, amount: Balance) -> Result<(), Reverted>;

    /// Registers the secret URI (e.g. `//Bob`) of an account this backend must sign for;
    /// returns the account. The in-process chain needs no keys.
    fn add_key(&mut self, suri: &str) -> Result<AccountId32, Reverted>;

    fn free_balance(&mut self, who: &AccountId32) -> Balance;

    /// The time the next block will carry (ms).
    fn now(&mut self) -> Timestamp;

    /// Lets `ms` of chain time pass (drink moves its clock; a node waits, then seals a
    /// block so that dry runs see the new time).
    fn advance(&mut self, ms: Timestamp);

    /// (label, cost) of every call and deployment so far.
    fn costs(&mut self) -> &mut Vec<(String, Cost)>;

    /// The code hash of the contract at `address`, if there is one.
    fn code_hash_at(&mut self, address: &AccountId32) -> Option<[u8; 32]>;

    /// The account dry runs are made from.
    fn query_origin(&self) -> AccountId32;

    /// What the manifest says about the chain (name, genesis hash, endpoint).
    fn describe(&mut self) -> serde_json::Value;

    /// Transaction fees paid so far by the accounts this backend signs for, where the
    /// chain charges any.
    fn fees_paid(&self) -> Option<Balance> {
        None
    }

    /// The block a contract was instantiated in, if known.
    fn deployed_in(&self, _address: &AccountId32) -> Option<u64> {
        None
    }

    /// Uploads and instantiates `bundle` with constructor `ctor`, returns the address.
    fn deploy(
        &mut self,
        bundle: &Bundle,
        ctor: &str,
        args: impl Encode,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<AccountId32, Reverted>
    where
        Self: Sized,
    {
        let mut data = bundle.selector(ctor).to_vec();
        args.encode_to(&mut data);
        let (address, cost) = self.instantiate(bundle, data, origin, salt)?;
        self.costs()
            .push((format!("{}::{ctor}", bundle.name), cost));
        Ok(address)
    }

    /// Calls `message` on `contract`; returns the decoded return value of a successful
    /// call (the message's own return type, e.g. `Result<T, Error>` — ink reverts the
    /// state when a message returns `Err`, and that `Err` is decoded here too).
    fn call<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
        origin: &AccountId32,
        value: Balance,
    ) -> Result<R, Reverted>
    where
        Self: Sized,
    {
        self.call_with_cost(bundle, contract, message, args, origin, value)
            .map(|(r, _)| r)
    }

    /// [`Backend::call`] that also returns the call's gas and storage deposit.
    fn call_with_cost<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
        origin: &AccountId32,
        value: Balance,
    ) -> Result<(R, Cost), Reverted>
    where
        Self: Sized,
    {
        let mut data = bundle.selector(message).to_vec();
        args.encode_to(&mut data);
        let (out, cost) = self.exec(contract, data, origin, value, false)?;
        let r = decode_output(out)?;
        self.costs()
            .push((format!("{}::{message}", bundle.name), cost));
        Ok((r, cost))
    }

    /// A read-only dry run (state is rolled back; not recorded in the gas report).
    fn try_query<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
    ) -> Result<R, Reverted>
    where
        Self: Sized,
    {
        let mut data = bundle.selector(message).to_vec();
        args.encode_to(&mut data);
        let origin = self.query_origin();
        let (out, _) = self.exec(contract, data, &origin, 0, true)?;
        decode_output(out)
    }

    /// [`Backend::try_query`] of a message that cannot fail on a deployed suite; panics
    /// (with the reason) if it does.
    fn query<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
    ) -> R
    where
        Self: Sized,
    {
        self.try_query(bundle, contract, message, args)
            .unwrap_or_else(|e| panic!("query {}::{message} failed: {e}", bundle.name))
    }
}

/// Decodes ink's `Result<R, LangError>` envelope.
fn decode_output<R: Decode>(out: Vec<u8>) -> Result<R, Reverted> {
    match <Result<R, u8>>::decode(&mut &out[..]) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(lang)) => Err(Reverted {
            data: out,
            reason: format!("LangError {lang} (no such message, or it is not payable)"),
            debug: String::new(),
        }),
        Err(e) => Err(Reverted {
            data: out,
            reason: format!("cannot decode return value: {e}"),
            debug: String::new(),
        }),
    }
}

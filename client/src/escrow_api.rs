//! Escrow's messages, typed.

use crate::account::ink_account;
use crate::message::{contract_api, Infallible, Message};
use escrow::types::{
    Accounting, Channel, ChannelPage, ClaimOutcome, Config, ExpectedTerms, FinalVoucher,
};
use gb_chain::{AccountId, Balance, Timestamp};
use gb_interfaces::{ChannelId, ServiceId, Signer, Voucher, VoucherDomain};

type Fallible<T> = Message<escrow::errors::Result<T>>;
type Read<T> = Message<Infallible<T>>;

contract_api!(
    /// Escrow at an address: balances, channels, claims.
    EscrowApi,
    escrow::Escrow
);

impl EscrowApi {
    /// The domain of this escrow's vouchers (v2) on the chain whose genesis hash is
    /// `genesis_hash` (the escrow's `config().genesis_hash`, which must be the chain's:
    /// [`crate::Client::voucher_domain`] takes the connected chain's).
    pub fn voucher_domain(&self, genesis_hash: [u8; 32]) -> VoucherDomain {
        VoucherDomain::new(genesis_hash, self.address.0)
    }

    // ---- balances ------------------------------------------------------------------

    /// Credits `amount` (sent with the call) to the caller's internal balance.
    pub fn deposit(&self, amount: Balance) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible("escrow::deposit", &self.address, b.deposit()).with_value(amount)
    }

    pub fn withdraw(&self, amount: Balance) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible("escrow::withdraw", &self.address, b.withdraw(amount))
    }

    pub fn transfer(&self, to: &AccountId, amount: Balance) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::transfer",
            &self.address,
            b.transfer(ink_account(to), amount),
        )
    }

    // ---- channels ------------------------------------------------------------------

    pub fn open_channel(
        &self,
        service_id: ServiceId,
        signer: Signer,
        amount: Balance,
        expiry: Timestamp,
    ) -> Fallible<ChannelId> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::open_channel",
            &self.address,
            b.open_channel(service_id, signer, amount, expiry),
        )
    }

    pub fn open_channel_for(
        &self,
        client: &AccountId,
        service_id: ServiceId,
        signer: Signer,
        amount: Balance,
        expiry: Timestamp,
    ) -> Fallible<ChannelId> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::open_channel_for",
            &self.address,
            b.open_channel_for(ink_account(client), service_id, signer, amount, expiry),
        )
    }

    /// Deposits `funds` (sent with the call) and opens a channel with all of it.
    pub fn deposit_and_open(
        &self,
        service_id: ServiceId,
        signer: Signer,
        funds: Balance,
        expiry: Timestamp,
    ) -> Fallible<ChannelId> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::deposit_and_open",
            &self.address,
            b.deposit_and_open(service_id, signer, expiry),
        )
        .with_value(funds)
    }

    /// Deposits `funds` (sent with the call) and opens a channel with all of it, only
    /// if the service's payee is still `payee` and its price at most `max_price` (the
    /// terms the caller read from the registry; else `PayeeChanged` / `PriceChanged`).
    pub fn open_channel_with_terms(
        &self,
        service_id: ServiceId,
        signer: Signer,
        funds: Balance,
        expiry: Timestamp,
        payee: &AccountId,
        max_price: Balance,
    ) -> Fallible<ChannelId> {
        let mut b = self.builder();
        let expected = ExpectedTerms {
            payee: ink_account(payee),
            max_price,
        };
        Message::fallible(
            "escrow::open_channel_with_terms",
            &self.address,
            b.open_channel_with_terms(service_id, signer, funds, expiry, expected),
        )
        .with_value(funds)
    }

    pub fn add_funds(&self, channel_id: ChannelId, amount: Balance) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::add_funds",
            &self.address,
            b.add_funds(channel_id, amount),
        )
    }

    pub fn extend(&self, channel_id: ChannelId, expiry: Timestamp) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::extend",
            &self.address,
            b.extend(channel_id, expiry),
        )
    }

    /// The payee claims one voucher; returns the newly claimed amount (gross).
    pub fn claim(&self, voucher: Voucher) -> Fallible<Balance> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::claim",
            &self.address,
            b.claim(voucher.channel_id, voucher.amount, voucher.signature),
        )
    }

    /// The payee claims up to 50 vouchers in one call; one outcome per voucher.
    pub fn claim_batch(&self, vouchers: Vec<Voucher>) -> Fallible<Vec<ClaimOutcome>> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::claim_batch",
            &self.address,
            b.claim_batch(vouchers),
        )
    }

    /// The payee closes a channel, claiming a final voucher first if given; returns
    /// what went back to the client.
    pub fn close(&self, channel_id: ChannelId, voucher: Option<FinalVoucher>) -> Fallible<Balance> {
        let mut b = self.builder();
        Message::fallible("escrow::close", &self.address, b.close(channel_id, voucher))
    }

    /// The client takes the rest of an expired channel back; returns the amount.
    pub fn refund(&self, channel_id: ChannelId) -> Fallible<Balance> {
        let mut b = self.builder();
        Message::fallible("escrow::refund", &self.address, b.refund(channel_id))
    }

    // ---- fees and wiring -----------------------------------------------------------

    pub fn withdraw_fees(&self) -> Fallible<Balance> {
        let mut b = self.builder();
        Message::fallible("escrow::withdraw_fees", &self.address, b.withdraw_fees())
    }

    pub fn set_fee(&self, fee_bps: u16, treasury: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::set_fee",
            &self.address,
            b.set_fee(fee_bps, ink_account(treasury)),
        )
    }

    pub fn set_reputation(&self, reputation: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::set_reputation",
            &self.address,
            b.set_reputation(ink_account(reputation)),
        )
    }

    pub fn transfer_ownership(&self, new_owner: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "escrow::transfer_ownership",
            &self.address,
            b.transfer_ownership(ink_account(new_owner)),
        )
    }

    // ---- reads ---------------------------------------------------------------------

    pub fn channel(&self, channel_id: ChannelId) -> Read<Option<Channel>> {
        Message::read(
            "escrow::channel",
            &self.address,
            self.builder().channel(channel_id),
        )
    }

    pub fn channels_of_client(
        &self,
        client: &AccountId,
        cursor: u32,
        limit: u32,
    ) -> Read<ChannelPage> {
        Message::read(
            "escrow::channels_of_client",
            &self.address,
            self.builder()
                .channels_of_client(ink_account(client), cursor, limit),
        )
    }

    pub fn channels_of_payee(
        &self,
        payee: &AccountId,
        cursor: u32,
        limit: u32,
    ) -> Read<ChannelPage> {
        Message::read(
            "escrow::channels_of_payee",
            &self.address,
            self.builder()
                .channels_of_payee(ink_account(payee), cursor, limit),
        )
    }

    pub fn balance_of(&self, account: &AccountId) -> Read<Balance> {
        Message::read(
            "escrow::balance_of",
            &self.address,
            self.builder().balance_of(ink_account(account)),
        )
    }

    pub fn fees_held(&self) -> Read<Balance> {
        Message::read(
            "escrow::fees_held",
            &self.address,
            self.builder().fees_held(),
        )
    }

    pub fn config(&self) -> Read<Config> {
        Message::read("escrow::config", &self.address, self.builder().config())
    }

    pub fn accounting(&self) -> Read<Accounting> {
        Message::read(
            "escrow::accounting",
            &self.address,
            self.builder().accounting(),
        )
    }
}

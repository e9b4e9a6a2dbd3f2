//! The reputation contract's messages, typed.

use crate::account::ink_account;
use crate::message::{contract_api, Infallible, Message};
use gb_chain::AccountId;
use gb_interfaces::{ChannelId, Ppm, ServiceId};
use reputation::{Params, Score, ServiceStats};

type Fallible<T> = Message<reputation::Result<T>>;
type Read<T> = Message<Infallible<T>>;

contract_api!(
    /// The reputation contract at an address: ratings and scores.
    ReputationApi,
    reputation::Reputation
);

impl ReputationApi {
    pub fn owner(&self) -> Read<ink::primitives::AccountId> {
        Message::read("reputation::owner", &self.address, self.builder().owner())
    }

    pub fn registry(&self) -> Read<ink::primitives::AccountId> {
        Message::read(
            "reputation::registry",
            &self.address,
            self.builder().registry(),
        )
    }

    pub fn escrow(&self) -> Read<Option<ink::primitives::AccountId>> {
        Message::read("reputation::escrow", &self.address, self.builder().escrow())
    }

    pub fn transfer_ownership(&self, new_owner: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "reputation::transfer_ownership",
            &self.address,
            b.transfer_ownership(ink_account(new_owner)),
        )
    }

    pub fn set_escrow(&self, escrow: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "reputation::set_escrow",
            &self.address,
            b.set_escrow(ink_account(escrow)),
        )
    }

    pub fn set_registry(&self, registry: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "reputation::set_registry",
            &self.address,
            b.set_registry(ink_account(registry)),
        )
    }

    pub fn set_params(&self, params: Params) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "reputation::set_params",
            &self.address,
            b.set_params(params),
        )
    }

    pub fn params(&self) -> Read<Params> {
        Message::read("reputation::params", &self.address, self.builder().params())
    }

    /// The channel's client rates its service, 1..=5 stars.
    pub fn rate(&self, channel_id: ChannelId, stars: u8) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible("reputation::rate", &self.address, b.rate(channel_id, stars))
    }

    pub fn has_rated(&self, channel_id: ChannelId) -> Read<bool> {
        Message::read(
            "reputation::has_rated",
            &self.address,
            self.builder().has_rated(channel_id),
        )
    }

    pub fn maturity_of(&self, client: &AccountId, payee: &AccountId) -> Read<Ppm> {
        Message::read(
            "reputation::maturity_of",
            &self.address,
            self.builder()
                .maturity_of(ink_account(client), ink_account(payee)),
        )
    }

    pub fn score_of(&self, service_id: ServiceId) -> Read<Score> {
        Message::read(
            "reputation::score_of",
            &self.address,
            self.builder().score_of(service_id),
        )
    }

    pub fn stats_of(&self, service_id: ServiceId) -> Read<Option<ServiceStats>> {
        Message::read(
            "reputation::stats_of",
            &self.address,
            self.builder().stats_of(service_id),
        )
    }
}

"""Persona generation is seeded and respects its distributions."""

from convsim.personas import PersonaGenConfig, generate_personas


def test_same_seed_same_personas_different_seed_different() -> None:
    config = PersonaGenConfig(n=12)
    a, b, c = generate_personas(config, 1), generate_personas(config, 1), generate_personas(config, 2)
    assert a == b and a != c
    assert len({p.id for p in a}) == 12


def test_prefix_is_stable_when_n_grows() -> None:
    small = generate_personas(PersonaGenConfig(n=3), 9)
    large = generate_personas(PersonaGenConfig(n=10), 9)
    assert large[:3] == small


def test_traits_follow_the_config() -> None:
    config = PersonaGenConfig(n=200, patience=(2, 3), emotions={"frustrated": 1.0})
    personas = generate_personas(config, 4)
    assert {p.traits.patience for p in personas} == {2, 3}
    assert {p.traits.emotion for p in personas} == {"frustrated"}
    assert all(0 <= p.traits.typo_rate <= 0.5 for p in personas)
    mean_coop = sum(p.traits.cooperativeness for p in personas) / 200
    assert 0.75 < mean_coop < 0.9  # Beta(8, 1.5) has mean 0.842
    assert all("@example.com" in p.identity.email for p in personas)

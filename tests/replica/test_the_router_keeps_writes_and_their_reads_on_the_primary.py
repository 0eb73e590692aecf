"""Inside a replica scope: reads go to the replica until the scope writes or opens its own
transaction; writes always go to the primary; migrations never run on the replica."""

from django.db import DEFAULT_DB_ALIAS, router, transaction

from continuity.models import Customer
from continuity.replica import REPLICA, ReplicaRouter, reading_from_replica
from tests.factories import CustomerFactory
from tests.replica.conftest import replica_test


@replica_test
def test_reads_in_scope_go_to_the_replica_until_the_scope_writes(replica):
    assert router.db_for_read(Customer) == DEFAULT_DB_ALIAS  # outside a scope
    with reading_from_replica() as used:
        assert used is True
        assert router.db_for_read(Customer) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Customer) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Customer) == REPLICA
        CustomerFactory()
        assert router.db_for_read(Customer) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Customer) == DEFAULT_DB_ALIAS


@replica_test
def test_writes_go_to_the_primary_even_inside_a_scope(replica):
    with reading_from_replica():
        assert router.db_for_write(Customer) == DEFAULT_DB_ALIAS


def test_migrations_never_run_on_the_replica():
    router_ = ReplicaRouter()
    assert router_.allow_migrate(REPLICA, "incidents") is False
    assert router_.allow_migrate(DEFAULT_DB_ALIAS, "incidents") is None

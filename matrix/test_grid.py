"""The grid itself: one test per cell, parametrized by conftest.py."""


def test_produce(produce_cell, matrix_session, verdict):
    producer, case = produce_cell
    verdict(matrix_session.produce(producer, case))


def test_consume(consume_cell, matrix_session, verdict):
    folder, consumer = consume_cell
    verdict(matrix_session.consume(folder, consumer))


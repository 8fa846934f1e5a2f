"""redis-py (Debian's python3-redis) against a raftkv cluster: RedisCluster
routes by the slots the nodes report; a plain client runs a pipeline and a
transaction on the leader. Prints OK on success; any mismatch raises."""
import sys

import redis
from redis.cluster import ClusterNode, RedisCluster

nodes = [ClusterNode(host, int(port)) for host, port in (a.split(':') for a in sys.argv[1:])]
cluster = RedisCluster(startup_nodes=nodes, decode_responses=True)
for i in range(50):
    assert cluster.set(f'py:{i}', str(i)) is True
for i in range(50):
    assert cluster.get(f'py:{i}') == str(i), i
assert cluster.incr('py:counter') == 1
assert cluster.incrby('py:counter', 41) == 42
assert cluster.set('py:ttl', 'x', ex=100) is True
assert 0 < cluster.ttl('py:ttl') <= 100
assert cluster.mset_nonatomic({'py:a': '1', 'py:b': '2'}) is not None
assert cluster.mget_nonatomic(['py:a', 'py:b', 'py:none']) == ['1', '2', None]

leader = cluster.get_default_node()
plain = redis.Redis(host=leader.host, port=leader.port, decode_responses=True)
pipe = plain.pipeline(transaction=False)
pipe.set('py:p', 'v').get('py:p').delete('py:p').get('py:p')
assert pipe.execute() == [True, 'v', 1, None]
tx = plain.pipeline(transaction=True)
tx.set('py:t', '5').incr('py:t').get('py:t')
assert tx.execute() == [True, 6, '6']
print('OK')

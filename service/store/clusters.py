"""Virtual clusters: a name, what their nodes are made of, and the numbering of their nodes."""


import sqlalchemy as sa

from service import clock
from service.errors import Conflict, NotFound
from service.store.schema import clusters, vms

GET = sa.select(clusters).where(clusters.c.id == sa.bindparam("cluster_id"))
ALL = sa.select(clusters).order_by(clusters.c.id)
NODES = (sa.select(vms.c.id).where(vms.c.cluster_id == sa.bindparam("cluster_id"))
         .order_by(vms.c.id))


class ClusterRepo:
    def __init__(self, store):
        self.store = store
        self._get = store.prepare(GET)
        self._all = store.prepare(ALL)
        self._nodes = store.prepare(NODES)

    def create(self, row):
        """A new cluster from ROW (name, tid, image_id, placement, ssh_keys, user_data)."""
        try:
            with self.store.write() as conn:
                return conn.execute(clusters.insert().values(
                    **row, next_node=1, created_at=clock.now())).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise Conflict(f"name: you have a cluster named {row['name']!r} already") from None

    def get(self, cluster_id):
        return self._get.one({"cluster_id": cluster_id}, f"no cluster {cluster_id}")

    def list(self):
        return self._all.mappings()

    def node_ids(self, cluster_id):
        return self._nodes.column({"cluster_id": cluster_id})

    def take_numbers(self, cluster_id, count):
        """The first of COUNT node numbers no node of the cluster ever had (NAME-k)."""
        with self.store.write() as conn:
            first = conn.execute(sa.select(clusters.c.next_node)
                                 .where(clusters.c.id == cluster_id)).scalar()
            if first is None:
                raise NotFound(f"no cluster {cluster_id}")
            conn.execute(clusters.update().where(clusters.c.id == cluster_id)
                         .values(next_node=first + count))
        return first

    def set_autoscale(self, cluster_id, policy):
        """CLUSTER_ID's horizontal autoscaling POLICY ({} for none)."""
        self.get(cluster_id)
        with self.store.write() as conn:
            conn.execute(clusters.update().where(clusters.c.id == cluster_id)
                         .values(autoscale=policy))

    def delete(self, cluster_id):
        """Forget the cluster; nodes still on their way out are let go of first."""
        with self.store.write() as conn:
            conn.execute(vms.update().where(vms.c.cluster_id == cluster_id).values(cluster_id=None))
            conn.execute(clusters.delete().where(clusters.c.id == cluster_id))

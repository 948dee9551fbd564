"""工单查询 area: the ticket list, its model and a ticket's detail."""

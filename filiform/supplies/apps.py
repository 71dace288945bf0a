from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "filiform.supplies"
    label = "supplies"
    verbose_name = "Supplies and infection control"

    def ready(self) -> None:
        # Charting takes an insertion's needles from stock and shows recalled lots on a visit
        # through this (charting/stock.py): supplies is the layer above it.
        from filiform.charting.stock import NeedleStock, register_needle_stock
        from filiform.supplies.recalls import visit_recall_flags
        from filiform.supplies.stock import lot_for_insertion, needles_take, usable_lots

        register_needle_stock(
            NeedleStock(
                lot_for_insertion=lot_for_insertion,
                needles_take=needles_take,
                usable_lots=usable_lots,
                recalled_lots_of_visit=visit_recall_flags,
            )
        )

"""Request and response bodies of the write API; every rule on input is checked here, before SQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from ..domain import commands
from ..domain.values import (
    INT4_MAX,
    INT8_MAX,
    check_country,
    check_email,
    check_label,
    check_prose,
    check_sku,
    parse_money,
)


def _whole(value: object) -> object:
    """JSON has one number type: 5.0 is the integer 5 (JSON Schema agrees); 5.5 and "5" stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


WHOLE = BeforeValidator(_whole)  # after the bounds: they then stay part of the integer's JSON schema
Id = Annotated[int, Field(ge=1, le=INT8_MAX), WHOLE]
Quantity = Annotated[int, Field(gt=0, le=INT4_MAX), WHOLE]
Stock = Annotated[int, Field(ge=0, le=INT4_MAX), WHOLE]
Delta = Annotated[int, Field(ge=-INT4_MAX, le=INT4_MAX), WHOLE]
_LABEL = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"  # one line, not blank (check_label)
# The schemas spell the rules of domain/values.py as JSON Schema patterns, so that clients generated from the
# OpenAPI document send what the API accepts.
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(check_email),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 254,
            "examples": ["ada@example.com"],
            "pattern": r"^[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
            r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
        }
    ),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(check_label),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200, "pattern": _LABEL}),
]
Category = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(check_label),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 100, "pattern": _LABEL}),
]
Description = Annotated[
    str,
    StringConstraints(max_length=5000),
    AfterValidator(check_prose),
    WithJsonSchema({"type": "string", "maxLength": 5000, "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}),
]
Country = Annotated[
    str, AfterValidator(check_country), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{2}$", "examples": ["DE"]})
]
Sku = Annotated[
    str,
    AfterValidator(check_sku),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$", "examples": ["LAMP-001"]}),
]
# A PATCH field: absent keeps the value; null is refused with its own message (see _PatchBody), and not offered.
NoNull = SkipJsonSchema[None]
Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$", "examples": ["19.90"]}),
]


class _Body(BaseModel):
    # strict: "5" is not 5 and 5.0 is not 5; extra="forbid": a typo'd field is an error,
    # not a silently ignored one.
    model_config = ConfigDict(extra="forbid", strict=True)


class _PatchBody(_Body):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"minProperties": 1})

    @model_validator(mode="after")
    def _something_to_change(self) -> Any:
        given = self.model_fields_set
        if not given:
            raise ValueError(f"nothing to update: give at least one of {', '.join(type(self).model_fields)}")
        nulls = sorted(name for name in given if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class RegisterCustomerBody(_Body):
    email: Email
    name: Name
    country: Country

    def command(self) -> commands.RegisterCustomer:
        return commands.RegisterCustomer(self.email, self.name, self.country)


class UpdateCustomerBody(_PatchBody):
    email: Email | NoNull = None
    name: Name | NoNull = None
    country: Country | NoNull = None

    def command(self, customer_id: int) -> commands.UpdateCustomer:
        return commands.UpdateCustomer(customer_id, **self.changes())


class AddProductBody(_Body):
    sku: Sku
    name: Name
    description: Description = ""
    category: Category
    brand: Category | None = None
    price: Money
    initial_stock: Stock = 0

    def command(self) -> commands.AddProduct:
        return commands.AddProduct(
            sku=self.sku,
            name=self.name,
            category=self.category,
            price=self.price,
            description=self.description,
            initial_stock=self.initial_stock,
            brand=self.brand,
        )


class UpdateProductBody(_PatchBody):
    name: Name | NoNull = None
    description: Description | NoNull = None
    category: Category | NoNull = None
    brand: Category | NoNull = None
    price: Money | NoNull = None
    active: bool | NoNull = None

    def command(self, product_id: int) -> commands.UpdateProduct:
        return commands.UpdateProduct(product_id, **self.changes())


class AdjustStockBody(_Body):
    delta: Delta

    def command(self, product_id: int) -> commands.AdjustStock:
        return commands.AdjustStock(product_id, self.delta)


class OrderItemBody(_Body):
    product_id: Id
    quantity: Quantity


class PlaceOrderBody(_Body):
    customer_id: Id
    items: list[OrderItemBody] = Field(min_length=1, max_length=100)

    def command(self) -> commands.PlaceOrder:
        return commands.PlaceOrder(
            self.customer_id, tuple(commands.OrderItem(item.product_id, item.quantity) for item in self.items)
        )


class CommandAccepted(BaseModel):
    """What every successful command answers; the token is also in X-Consistency-Token."""

    id: int
    consistency_token: str = Field(
        description="present it as X-Consistency-Token to the query API to read your own write"
    )


class ErrorBody(BaseModel):
    detail: str

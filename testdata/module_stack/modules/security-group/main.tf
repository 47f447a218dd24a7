variable "create" {
  type    = bool
  default = true
}

variable "use_name_prefix" {
  type    = bool
  default = true
}

variable "name" {
  type = string
}

variable "description" {
  type    = string
  default = "Security Group managed by Terraform"
}

variable "vpc_id" {
  type = string
}

variable "ingress_with_cidr_blocks" {
  description = "List of maps: from_port, to_port, protocol, cidr_blocks (comma separated), description"
  type        = list(map(string))
  default     = []
}

variable "egress_with_cidr_blocks" {
  type    = list(map(string))
  default = []
}

variable "ingress_with_source_security_group_id" {
  type    = list(map(string))
  default = []
}

variable "egress_with_source_security_group_id" {
  type    = list(map(string))
  default = []
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  this_sg_id = concat(
    aws_security_group.this.*.id,
    aws_security_group.this_name_prefix.*.id,
    [""],
  )[0]
}

resource "aws_security_group" "this" {
  count = var.create && !var.use_name_prefix ? 1 : 0

  name        = var.name
  description = var.description
  vpc_id      = var.vpc_id

  tags = merge({ "Name" = format("%s", var.name) }, var.tags)
}

resource "aws_security_group" "this_name_prefix" {
  count = var.create && var.use_name_prefix ? 1 : 0

  name_prefix = "${var.name}-"
  description = var.description
  vpc_id      = var.vpc_id

  tags = merge({ "Name" = format("%s", var.name) }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group_rule" "ingress_with_cidr_blocks" {
  count = var.create ? length(var.ingress_with_cidr_blocks) : 0

  security_group_id = local.this_sg_id
  type              = "ingress"

  cidr_blocks = split(",", lookup(var.ingress_with_cidr_blocks[count.index], "cidr_blocks", "0.0.0.0/0"))
  description = lookup(var.ingress_with_cidr_blocks[count.index], "description", "Ingress Rule")
  from_port   = lookup(var.ingress_with_cidr_blocks[count.index], "from_port")
  to_port     = lookup(var.ingress_with_cidr_blocks[count.index], "to_port")
  protocol    = lookup(var.ingress_with_cidr_blocks[count.index], "protocol")
}

resource "aws_security_group_rule" "egress_with_cidr_blocks" {
  count = var.create ? length(var.egress_with_cidr_blocks) : 0

  security_group_id = local.this_sg_id
  type              = "egress"

  cidr_blocks = split(",", lookup(var.egress_with_cidr_blocks[count.index], "cidr_blocks", "0.0.0.0/0"))
  description = lookup(var.egress_with_cidr_blocks[count.index], "description", "Egress Rule")
  from_port   = lookup(var.egress_with_cidr_blocks[count.index], "from_port")
  to_port     = lookup(var.egress_with_cidr_blocks[count.index], "to_port")
  protocol    = lookup(var.egress_with_cidr_blocks[count.index], "protocol")
}

resource "aws_security_group_rule" "ingress_with_source_security_group_id" {
  count = var.create ? length(var.ingress_with_source_security_group_id) : 0

  security_group_id        = local.this_sg_id
  type                     = "ingress"
  source_security_group_id = var.ingress_with_source_security_group_id[count.index]["source_security_group_id"]

  description = lookup(var.ingress_with_source_security_group_id[count.index], "description", "Ingress Rule")
  from_port   = lookup(var.ingress_with_source_security_group_id[count.index], "from_port")
  to_port     = lookup(var.ingress_with_source_security_group_id[count.index], "to_port")
  protocol    = lookup(var.ingress_with_source_security_group_id[count.index], "protocol")
}

resource "aws_security_group_rule" "egress_with_source_security_group_id" {
  count = var.create ? length(var.egress_with_source_security_group_id) : 0

  security_group_id        = local.this_sg_id
  type                     = "egress"
  source_security_group_id = var.egress_with_source_security_group_id[count.index]["source_security_group_id"]

  description = lookup(var.egress_with_source_security_group_id[count.index], "description", "Egress Rule")
  from_port   = lookup(var.egress_with_source_security_group_id[count.index], "from_port")
  to_port     = lookup(var.egress_with_source_security_group_id[count.index], "to_port")
  protocol    = lookup(var.egress_with_source_security_group_id[count.index], "protocol")
}

output "security_group_id" {
  description = "The ID of the security group"
  value       = concat(aws_security_group.this.*.id, aws_security_group.this_name_prefix.*.id, [""])[0]
}

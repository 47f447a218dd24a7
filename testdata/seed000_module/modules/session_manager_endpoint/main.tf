resource "aws_vpc_endpoint" "ssm" {
  count = local.enabled ? 1 : 0

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${local.region}.ssm"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(local.tags, {
    Name = "${var.project_id}-${var.env}-ssm"
  })
}

resource "aws_vpc_endpoint" "ssmmessages" {
  count = local.enabled ? 1 : 0

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${local.region}.ssmmessages"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(local.tags, {
    Name = "${var.project_id}-${var.env}-ssmmessages"
  })
}

resource "aws_vpc_endpoint" "ec2messages" {
  count = local.enabled ? 1 : 0

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${local.region}.ec2messages"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(local.tags, {
    Name = "${var.project_id}-${var.env}-ec2messages"
  })
}

locals {
  endpoint_count = 3
  monthly_cost   = local.endpoint_count * 7.20 * length(var.subnet_ids)
}

output "session_manager_endpoints" {
  description = "Session Manager endpoint details"
  value = local.enabled ? {
    enabled = true

    ssm = {
      endpoint_id         = aws_vpc_endpoint.ssm[0].id
      endpoint_arn        = aws_vpc_endpoint.ssm[0].arn
      service_name        = aws_vpc_endpoint.ssm[0].service_name
      private_dns_enabled = aws_vpc_endpoint.ssm[0].private_dns_enabled
      dns_entries         = aws_vpc_endpoint.ssm[0].dns_entry
    }

    ssmmessages = {
      endpoint_id         = aws_vpc_endpoint.ssmmessages[0].id
      endpoint_arn        = aws_vpc_endpoint.ssmmessages[0].arn
      service_name        = aws_vpc_endpoint.ssmmessages[0].service_name
      private_dns_enabled = aws_vpc_endpoint.ssmmessages[0].private_dns_enabled
      dns_entries         = aws_vpc_endpoint.ssmmessages[0].dns_entry
    }

    ec2messages = {
      endpoint_id         = aws_vpc_endpoint.ec2messages[0].id
      endpoint_arn        = aws_vpc_endpoint.ec2messages[0].arn
      service_name        = aws_vpc_endpoint.ec2messages[0].service_name
      private_dns_enabled = aws_vpc_endpoint.ec2messages[0].private_dns_enabled
      dns_entries         = aws_vpc_endpoint.ec2messages[0].dns_entry
    }

    network = {
      vpc_id             = local.vpc_id
      subnet_ids         = var.subnet_ids
      security_group_ids = [aws_security_group.endpoints[0].id]
      vpc_cidr_block     = data.aws_vpc.selected.cidr_block
    }

    cost = {
      monthly_estimate = format("~$%.2f USD", local.monthly_cost)
      comparison       = "NAT Gateway: ~$32.40/month"
      savings          = format("~$%.2f/month", 32.40 - local.monthly_cost)
    }

    usage = {
      connect_command = "aws ssm start-session --target <instance-id>"
      requirements = [
        "EC2 instance role with AmazonSSMManagedInstanceCore",
        "Outbound HTTPS (443) from the instance security group",
        "SSM Agent installed and running",
      ]
    }
    } : {
    enabled     = false
    ssm         = null
    ssmmessages = null
    ec2messages = null
    network     = null
    cost        = null
    usage       = null
  }
}
